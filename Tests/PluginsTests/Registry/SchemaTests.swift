import Foundation
import ONNXTestSupport
import Plugins
import XCTest

/// plugins.json: the repository's file is valid and canonical, violations name their JSON path,
/// and docs/plugins.schema.json describes exactly the keys the loader accepts.
final class SchemaTests: XCTestCase {
    static let repoPlugins = OnnxRuntimeOracle.repoRoot.appendingPathComponent("plugins.json").path
    static let jsonSchema = OnnxRuntimeOracle.repoRoot.appendingPathComponent("docs/plugins.schema.json").path

    func testRepositoryRegistryLoadsAndIsWrittenInCanonicalForm() throws {
        let c = try PluginCatalog(path: Self.repoPlugins)
        XCTAssertEqual(c.models.map(\.id), ["dcgan-faces", "vgg16-keras", "selfie-segmenter"])
        XCTAssertEqual(c.models.map(\.kind), [.generator, .featureNet, .segmenter])
        XCTAssertEqual(c.data.map(\.id), ["image-china", "image-person"])
        // Every entry written back from its parsed form gives the file byte for byte: what
        // `seeing import` writes is what people read.
        let text = try String(contentsOfFile: Self.repoPlugins, encoding: .utf8)
        var doc = try JSONParser.parse(text)
        doc = doc.setting("models", .array(c.models.map(PluginsSchema.json)))
        XCTAssertEqual(JSONPrinter.pretty(doc), text)
    }

    /// Parses `document` (a whole plugins.json) expecting a schema error containing `fragments`.
    func expectViolation(_ document: String, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try PluginCatalog(data: Data(document.utf8), path: "p.json"), file: file, line: line) { e in
            guard let e = e as? PluginError else { return XCTFail("\(e)", file: file, line: line) }
            XCTAssertTrue([.schema, .duplicateID].contains(e.kind), "\(e)", file: file, line: line)
            for f in fragments { XCTAssertTrue(e.message.contains(f), "'\(f)' not in: \(e.message)", file: file, line: line) }
        }
    }

    /// A valid generator entry with `change` applied to its text.
    func entry(_ change: (String) -> String = { $0 }) -> String {
        change(#"""
        {"id": "g", "kind": "generator", "architecture": "onnx", "licence": "MIT", "provenance": "test",
         "files": [{"role": "model", "path": "models/g.onnx", "sha256": "\#(String(repeating: "ab", count: 32))", "bytes": 10}],
         "opset": 17,
         "inputs": [{"name": "z", "shape": ["N", 8], "role": "latent"}],
         "outputs": [{"name": "image", "shape": ["N", 3, 8, 8], "role": "image", "range": [-1, 1]}],
         "layers": ["a"], "defaultLayer": "a"}
        """#)
    }

    func document(_ models: String...) -> String { "{\"schema\": 1, \"models\": [\(models.joined(separator: ","))]}" }

    func testAValidEntryParses() throws {
        let c = try PluginCatalog(data: Data(document(entry()).utf8), path: "p.json")
        let m = try XCTUnwrap(c.models.first)
        XCTAssertEqual(m.interface.input(.latent)?.perSampleShape, [8])
        XCTAssertEqual(m.interface.output(.image)?.range, -1...1)
        XCTAssertEqual(m.primaryFile?.bytes, 10)
        // Written and read again: the same entry.
        let again = try PluginsSchema.model(JSONNode(PluginsSchema.json(m), source: "again"))
        XCTAssertEqual(again, m)
    }

    func testViolationsNameTheirJSONPath() {
        expectViolation("{\"schema\": 2, \"models\": []}", ["p.json: $: schema version 2 is not supported; this build reads version 1"])
        expectViolation("{\"models\": []}", ["$: missing required key \"schema\""])
        expectViolation("{\"schema\": 1, \"modles\": []}", [#"$: unknown key "modles" (did you mean "models"?)"#])
        expectViolation(document(entry(), entry()), ["$.models[1]: id 'g' is used twice"])
        expectViolation(document(entry { $0.replacingOccurrences(of: "\"kind\": \"generator\"", with: "\"kind\": \"gan\"") }),
                        [#"$.models[0].kind: "gan" is not one of "generator", "segmenter", "feature-net", "encoder""#])
        expectViolation(document(entry { $0.replacingOccurrences(of: "\"licence\"", with: "\"license\"") }),
                        [#"$.models[0]: unknown key "license" (did you mean "licence"?)"#])
        expectViolation(document(entry { $0.replacingOccurrences(of: "\"bytes\": 10", with: "\"bytes\": \"10\"") }),
                        ["$.models[0].files[0].bytes: expected a number, got a string"])
        expectViolation(document(entry { $0.replacingOccurrences(of: String(repeating: "ab", count: 32), with: "abc") }),
                        [#"$.models[0].files[0].sha256: expected 64 lowercase hex digits (a sha256), got "abc""#])
        expectViolation(document(entry { $0.replacingOccurrences(of: "models/g.onnx", with: "../g.onnx") }),
                        ["$.models[0].files[0].path: \"../g.onnx\" must be a path relative to the directory of plugins.json"])
        expectViolation(document(entry { $0.replacingOccurrences(of: "\"role\": \"model\"", with: "\"role\": \"auxiliary\"") }),
                        ["$.models[0].files: needs exactly one file with role \"model\""])
        expectViolation(document(entry { $0.replacingOccurrences(of: "[\"N\", 8]", with: "[\"N\", 0]") }),
                        ["$.models[0].inputs[0].shape[1]: a dimension must be positive or a name, got 0"])
        expectViolation(document(entry { $0.replacingOccurrences(of: "[\"N\", 8]", with: "[\"N\", \"K\"]") }),
                        ["$.models[0] ('g'): a generator needs a latent shape that is fixed apart from the batch, got [N, K]"])
        expectViolation(document(entry { $0.replacingOccurrences(of: "\"role\": \"latent\"", with: "\"role\": \"latent\", \"range\": [0, 1]") }),
                        [#"$.models[0].inputs[0].range: "range" applies to ports with role "image""#])
        expectViolation(document(entry { $0.replacingOccurrences(of: "\"defaultLayer\": \"a\"", with: "\"defaultLayer\": \"b\"") }),
                        ["a generator needs its default layer 'b' among its layers (a)"])
        expectViolation(document(entry { $0.replacingOccurrences(of: "\"role\": \"image\", \"range\": [-1, 1]", with: "\"role\": \"features\"") }),
                        ["a generator needs an output with role \"image\""])
        expectViolation(document(entry { $0.replacingOccurrences(of: "\"name\": \"z\",", with: "\"name\": \"z\", \"dtype\": \"float128\",") }),
                        ["$.models[0].inputs[0].dtype: unknown dtype \"float128\""])
        let segmenter = entry {
            $0.replacingOccurrences(of: "\"kind\": \"generator\"", with: "\"kind\": \"segmenter\"")
                .replacingOccurrences(of: "\"role\": \"latent\"", with: "\"role\": \"image\"")
                .replacingOccurrences(of: "[\"N\", 8]", with: "[1, 3, 8, 8]")
                .replacingOccurrences(of: "\"role\": \"image\", \"range\": [-1, 1]", with: "\"role\": \"scores\"")
                .replacingOccurrences(of: "\"layers\": [\"a\"], \"defaultLayer\": \"a\"", with: "\"labels\": [\"a\", \"b\"], \"preprocessing\": {\"resize\": \"stretch\"}")
        }
        expectViolation(document(segmenter), ["$.models[0].preprocessing: resize \"stretch\" needs a \"size\""])
        expectViolation(document(segmenter.replacingOccurrences(of: "{\"resize\": \"stretch\"}", with: "{\"resize\": \"stretch\", \"size\": [8, 8]}")),
                        ["a segmenter needs as many labels as score channels: 2 labels for 3 channels of 'image' float32[N, 3, 8, 8]"])
        expectViolation("{\"schema\": 1, \"models\": [}", ["p.json: not valid JSON: line 1, column 26: expected a value, found '}'"])
    }

    /// docs/plugins.schema.json lists exactly the keys the loader accepts, object by object.
    func testJSONSchemaFileMatchesTheLoader() throws {
        let schema = try JSONParser.parse(Data(contentsOf: URL(fileURLWithPath: Self.jsonSchema)))
        func properties(_ path: [String]) -> [String] {
            var v: JSONValue? = schema
            for p in path { v = v?[p] }
            guard case .object(let pairs)? = v?["properties"] else { return [] }
            return pairs.map(\.key)
        }
        let defs: [(String, [String])] = [
            ("document", PluginsSchema.Keys.document), ("model", PluginsSchema.Keys.model), ("data", PluginsSchema.Keys.data),
            ("file", PluginsSchema.Keys.file), ("fetch", PluginsSchema.Keys.fetch), ("convert", PluginsSchema.Keys.convert),
            ("checkpoint", PluginsSchema.Keys.checkpoint), ("port", PluginsSchema.Keys.port), ("layer", PluginsSchema.Keys.layer),
            ("preprocessing", PluginsSchema.Keys.preprocessing),
        ]
        for (name, keys) in defs {
            let got = name == "document" ? properties([]) : properties(["$defs", name])
            XCTAssertEqual(got, keys, "docs/plugins.schema.json $defs/\(name)")
        }
    }

    /// The repository's plugins.json validates against docs/plugins.schema.json (with the
    /// Python jsonschema package, where installed).
    func testRepositoryRegistryValidatesAgainstTheJSONSchema() throws {
        let script = """
        import json, sys
        try:
            import jsonschema
        except ImportError:
            print("SKIP no jsonschema"); sys.exit(0)
        schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))
        jsonschema.validate(doc, schema)
        bad = dict(doc, models=[dict(doc["models"][0], kind="gan")])
        try:
            jsonschema.validate(bad, schema); print("accepted a bad kind"); sys.exit(1)
        except jsonschema.ValidationError:
            print("OK")
        """
        let dir = try RegistryFixture.tempDir()
        try script.write(toFile: "\(dir)/check.py", atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "\(dir)/check.py", Self.jsonSchema, Self.repoPlugins]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        if text.hasPrefix("SKIP") { throw XCTSkip("python3 has no jsonschema package") }
        XCTAssertEqual(p.terminationStatus, 0, text)
        XCTAssertEqual(text.trimmingCharacters(in: .whitespacesAndNewlines), "OK")
    }
}
