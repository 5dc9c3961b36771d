import Foundation
import Importer
import ONNXTestSupport
import Plugins
import Runtime
import XCTest

/// The registry commands (zoo, import, export, sample and segment by id) on a registry made of
/// three tiny ONNX models added purely through plugins.json.
final class RegistryCLITests: XCTestCase {
    var dir = ""
    var plugins = ""

    override func setUpWithError() throws {
        dir = try SeeingCLI.tempDir().path
        plugins = try TinyModels.makeRegistry(in: dir, digest: Self.digest)
    }

    static func digest(_ path: String) throws -> (sha256: String, bytes: Int) {
        ((try SHA256.hex(file: path)), (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? -1)
    }

    func path(_ name: String) -> String { "\(dir)/\(name)" }

    /// Runs `args` against the tiny registry, expecting success.
    @discardableResult
    func seeing(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let r = try SeeingCLI.run(args + ["--plugins", plugins])
        XCTAssertEqual(r.status, 0, "seeing \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
        return r.stdout
    }

    /// Runs `args` expecting a clean failure whose message contains every fragment.
    func expectFailure(_ args: [String], plugins: Bool = true, env: [String: String?] = [:], directory: String? = nil,
                       _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try SeeingCLI.run(args + (plugins ? ["--plugins", self.plugins] : []), env: env, directory: directory)
        XCTAssertNotEqual(r.status, 0, "expected failure, stdout: \(r.stdout)", file: file, line: line)
        XCTAssertLessThan(r.status, 128, "crashed: \(r.stderr)", file: file, line: line)
        for f in fragments { XCTAssertTrue(r.stderr.contains(f), "stderr lacks '\(f)': \(r.stderr)", file: file, line: line) }
    }

    func edit(_ change: (String) -> String) throws {
        try change(try String(contentsOfFile: plugins, encoding: .utf8)).write(toFile: plugins, atomically: true, encoding: .utf8)
    }

    // MARK: commands

    func testZooListShowsWhatIsRegisteredAndPresent() throws {
        try FileManager.default.removeItem(atPath: path("models/tiny-seg/tiny-seg.onnx"))
        let text = try seeing(["zoo", "list"])
        XCTAssertTrue(text.contains("tiny-gen   generator    onnx  present"), text)
        XCTAssertTrue(text.contains("tiny-seg   segmenter    onnx  models/tiny-seg/tiny-seg.onnx missing (re-import it)"), text)
        XCTAssertTrue(text.contains("generator: onnx, progan, wgangp, progan-minibatch-stddev, dcgan, stylegan"), text)
        XCTAssertTrue(text.contains("losses: mse, l1, cosine, perceptual"), text)
        let json = try JSONParser.parse(try seeing(["zoo", "list", "--json"]))
        guard case .array(let models)? = json["models"] else { return XCTFail("\(json)") }
        XCTAssertEqual(models.map { $0["present"] }, [.bool(true), .bool(false), .bool(true)])
        let show = try seeing(["zoo", "show", "tiny-feat"])
        XCTAssertTrue(show.contains(#"{"name": "feat", "tensor": "act/0:0"}"#), show)
        XCTAssertTrue(show.contains("models/tiny-feat/tiny-feat.onnx: present"), show)
    }

    func testSampleByIdWritesImagesGridAndLatents() throws {
        // The registry found through the environment this time.
        let r = try SeeingCLI.run(["sample", "tiny-gen", "--n", "3", "--seed", "7", "--batch", "2", "--out", path("s")],
                                  env: [PluginCatalog.environmentVariable: plugins])
        XCTAssertEqual(r.status, 0, r.stderr)
        for f in ["sample_0000.png", "sample_0001.png", "sample_0002.png", "grid.png", "z.npy"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: path("s/\(f)")), f)
        }
        let z = try NPY.read(path: path("s/z.npy"))
        XCTAssertEqual(z.floats, Tensor.randomNormal([3, 2], seed: 7).floats)
        // Sample 1's pixels: hidden = [z0, z1, z0 + z1, z0 − z1 + 0.5], tanh, [-1, 1] → 0…255.
        let (z0, z1) = (z.floats[2], z.floats[3])
        let expected = [z0, z1, z0 + z1, z0 - z1 + 0.5].map { UInt8(((tanh($0) + 1) * 127.5).rounded()) }
        let image = try ImageReader.read(path: path("s/sample_0001.png"))
        XCTAssertEqual([image.width, image.height], [2, 2])
        for i in 0..<4 { XCTAssertEqual(Int(image.pixels[i * 3]), Int(expected[i]), accuracy: 1, "pixel \(i)") }
    }

    func testExportWritesOneSelfContainedONNXFile() throws {
        let out = try seeing(["export", "tiny-feat", path("feat.onnx")])
        XCTAssertTrue(out.contains("layers: feat, pooled"), out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("feat.onnx.data")))
        let exported = try ONNXImporter.load(path: path("feat.onnx")).model
        XCTAssertEqual(exported.metadata["seeing.kind"], "feature-net")
        XCTAssertTrue(exported.graph.nodes.contains { $0.outputs == ["feat"] })
        let x = Tensor.randomNormal([1, 3, 4, 4], seed: 1)
        let original = try ONNXImporter.load(path: path("models/tiny-feat/tiny-feat.onnx")).model
        XCTAssertEqual(try Session(model: exported).run(["pixels": x])["pooled"]!.floats,
                       try Session(model: original).run(["pixels": x])["pooled"]!.floats)
    }

    func testSegmentWritesLabelMapsLegendAndAreas() throws {
        // red, green, blue, red → labels 0, 1, 2, 0.
        try PNGWriter.write(Image8(width: 2, height: 2, channels: 3, pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255, 200, 0, 0]), to: path("a.png"))
        try PNGWriter.write(Image8(width: 2, height: 2, channels: 3, pixels: [0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 255]), to: path("b.png"))
        let out = try seeing(["segment", "tiny-seg", path("a.png"), path("b.png"), "--out", path("seg"), "--scores"])
        XCTAssertTrue(out.contains("red 50.00%, green 25.00%, blue 25.00%"), out)
        let map = try ImageReader.read(path: path("seg/a.png"))
        // PASCAL VOC colours: 0 black, 1 (128, 0, 0), 2 (0, 128, 0).
        XCTAssertEqual(map.pixels, [0, 0, 0, 128, 0, 0, 0, 128, 0, 0, 0, 0])
        let csv = try String(contentsOfFile: path("seg/areas.csv"), encoding: .utf8)
        XCTAssertTrue(csv.hasPrefix("image,index,label,area,mean_score\n\(path("a.png")),0,red,0.5,"), csv)
        XCTAssertTrue(csv.contains("\(path("b.png")),2,blue,1.0,"), csv)
        let json = try JSONParser.parse(Data(contentsOf: URL(fileURLWithPath: path("seg/areas.json"))))
        XCTAssertEqual(json["labels"], .strings(["red", "green", "blue"]))
        guard case .array(let images)? = json["images"] else { return XCTFail("\(json)") }
        XCTAssertEqual(images[0]["areas"], .array([.number(0.5), .number(0.25), .number(0.25)]))
        let legend = try String(contentsOfFile: path("seg/legend.svg"), encoding: .utf8)
        XCTAssertTrue(legend.contains("rgb(128,0,0)") && legend.contains(">1 green<"), legend)
        XCTAssertEqual(try String(contentsOfFile: path("seg/legend.csv"), encoding: .utf8),
                       "index,label,r,g,b\n0,red,0,0,0\n1,green,128,0,0\n2,blue,0,128,0\n")
        XCTAssertEqual(try NPY.read(path: path("seg/b.scores.npy")).shape, [3, 2, 2])
    }

    func testImportThenUseTheNewModelByItsId() throws {
        let net = try DCGAN.build(config: DCGAN.Config(latentSize: 6, features: 2, imageChannels: 3), seed: 5)
        try SafeTensors.write(net.stateDict.prefixed("netG_state_dict."), to: path("g.safetensors"))
        let out = try seeing(["import", path("g.safetensors"), "--arch", "dcgan", "--id", "small-gan", "--licence", "CC0"])
        XCTAssertTrue(out.contains("tensors under 'netG_state_dict' (detected"), out)
        XCTAssertTrue(out.contains("forward pass on 2 seeded inputs: 'image' [2, 3, 64, 64], all finite"), out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("models/small-gan/small-gan.onnx")))
        try seeing(["sample", "small-gan", "--n", "2", "--out", path("s")])
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("s/grid.png")))
        try expectFailure(["import", path("g.safetensors"), "--arch", "dcgan", "--id", "small-gan"],
                          ["model 'small-gan' is already in", "--force"])
        try seeing(["import", path("g.safetensors"), "--arch", "dcgan", "--id", "small-gan", "--force"])
        XCTAssertEqual(try PluginCatalog(path: plugins).ids, ["tiny-gen", "tiny-seg", "tiny-feat", "small-gan"])
    }

    func testZooFetchRunsConversionRecipes() throws {
        try "made from source\n".write(toFile: path("source.txt"), atomically: true, encoding: .utf8)
        try "import shutil, sys\nshutil.copy(sys.argv[1], sys.argv[2])\n".write(toFile: path("copy.py"), atomically: true, encoding: .utf8)
        let d = try Self.digest(path("source.txt"))
        try edit {
            $0.replacingOccurrences(of: "\"models\": [", with: """
            "data": [{"id": "copied", "licence": "test", "provenance": "test", "files": [
              {"path": "source.txt", "sha256": "\(d.sha256)", "bytes": \(d.bytes)},
              {"path": "out/copy.txt", "sha256": "\(d.sha256)", "bytes": \(d.bytes), "convert": {"script": "copy.py", "from": "source.txt"}}]}],
            "models": [
            """)
        }
        XCTAssertTrue(try seeing(["zoo", "list"]).contains("copied     out/copy.txt missing (seeing zoo fetch copied)"))
        let fetched = try SeeingCLI.run(["zoo", "fetch", "copied", "--plugins", plugins])
        XCTAssertEqual(fetched.status, 0, fetched.stderr)
        XCTAssertTrue(fetched.stdout.contains("[copied] out/copy.txt verified"), fetched.stdout)
        XCTAssertEqual(try String(contentsOfFile: path("out/copy.txt"), encoding: .utf8), "made from source\n")
        XCTAssertTrue(try seeing(["zoo", "list"]).contains("copied     present"))
        // A conversion that gives something else is refused with both hashes.
        try FileManager.default.removeItem(atPath: path("out/copy.txt"))
        try "import sys\nopen(sys.argv[2], 'w').write('other')\n".write(toFile: path("copy.py"), atomically: true, encoding: .utf8)
        try expectFailure(["zoo", "fetch", "copied"], ["out/copy.txt: sha256 \(SHA256.hex(Data("other".utf8)))", "expected \(d.sha256)"])
        // So is a changed file without a recipe.
        try "changed\n".write(toFile: path("source.txt"), atomically: true, encoding: .utf8)
        try expectFailure(["zoo", "fetch", "copied"], ["source.txt differs from plugins.json", "expected \(d.sha256)", "has no recipe"])
    }

    // MARK: errors

    func testUnknownIdsListTheRegisteredOnes() throws {
        let known = "registered: tiny-gen, tiny-seg, tiny-feat"
        try expectFailure(["sample", "nope", "--out", path("o")], ["unknown model 'nope'", known])
        try expectFailure(["export", "nope", path("o.onnx")], ["unknown model 'nope'", known])
        try expectFailure(["segment", "nope", path("x.png"), "--out", path("o")], ["unknown model 'nope'", known])
        try expectFailure(["zoo", "show", "nope"], ["unknown model 'nope'", known])
        try expectFailure(["zoo", "fetch", "nope"], ["unknown model or data set 'nope'", "tiny-gen, tiny-seg, tiny-feat"])
        try expectFailure(["segment", "tiny-gen", path("x.png"), "--out", path("o")], ["'tiny-gen' is a generator, not a segmenter", "registered segmenters: tiny-seg"])
        try expectFailure(["import", path("x.pth"), "--arch", "gan9000"], ["unknown architecture 'gan9000'", "generator: progan", "segmenter: upernet"])
        let empty = try SeeingCLI.tempDir().path
        try expectFailure(["sample", "tiny-gen", "--out", path("o")], plugins: false, env: [PluginCatalog.environmentVariable: nil],
                          directory: empty, ["'tiny-gen' is not a file, and there is no plugins.json"])
    }

    func testSchemaViolationsNameTheirJSONPath() throws {
        try edit { $0.replacingOccurrences(of: #""kind": "segmenter""#, with: #""kind": "segmentor""#) }
        try expectFailure(["zoo", "list"], ["\(plugins): $.models[1].kind: \"segmentor\" is not one of"])
        try edit { $0.replacingOccurrences(of: #""kind": "segmentor""#, with: #""kind": "segmenter""#).replacingOccurrences(of: "\"tiny-seg\"", with: "\"tiny-gen\"") }
        try expectFailure(["zoo", "list"], ["$.models[1]: id 'tiny-gen' is used twice"])
        try "{\"schema\": 1, \"models\": [".write(toFile: plugins, atomically: true, encoding: .utf8)
        try expectFailure(["zoo", "list"], ["\(plugins): not valid JSON: line 1, column 26: unexpected end of file"])
    }

    func testChangedAndMissingFilesAreReported() throws {
        let file = path("models/tiny-gen/tiny-gen.onnx")
        let recorded = try Self.digest(file).sha256
        var data = try Data(contentsOf: URL(fileURLWithPath: file))
        data[data.count - 1] ^= 1
        try data.write(to: URL(fileURLWithPath: file))
        try expectFailure(["sample", "tiny-gen", "--out", path("o")], ["sha256 \(try SHA256.hex(file: file))", "plugins.json records \(recorded)"])
        try FileManager.default.removeItem(atPath: file)
        try expectFailure(["export", "tiny-gen", path("o.onnx")], ["tiny-gen: file models/tiny-gen/tiny-gen.onnx is missing", "import the model again"])
    }

    func testPortMismatchAndUnknownArchitecture() throws {
        try edit { $0.replacingOccurrences(of: #""name": "logits", "dtype": "float32", "shape": [1, 3, 2, 2]"#,
                                           with: #""name": "logits", "dtype": "float32", "shape": [1, 4, 2, 2]"#)
                    .replacingOccurrences(of: #"["red", "green", "blue"]"#, with: #"["red", "green", "blue", "grey"]"#) }
        try expectFailure(["export", "tiny-seg", path("o.onnx")], ["output port 'logits': expected shape [1, 4, 2, 2], got [1, 3, 2, 2] (dimension 1)"])
        try edit { $0.replacingOccurrences(of: #""id": "tiny-gen", "kind": "generator", "architecture": "onnx""#,
                                           with: #""id": "tiny-gen", "kind": "generator", "architecture": "biggan""#) }
        try expectFailure(["sample", "tiny-gen", "--out", path("o")], ["unknown generator architecture 'biggan'; known: onnx, progan"])
    }
}
