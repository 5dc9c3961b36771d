import Foundation
import ONNXTestSupport
import Plugins
import XCTest

/// Every example in docs/plugins.md is exercised: JSON entries are added to a copy of the
/// registry (or, marked `registered`, must equal plugins.json's), shell lines run in order, and
/// Swift blocks must be the text of the file they name (which the build compiles and tests run).
final class DocsExamplesTests: XCTestCase {
    struct Block {
        var info: String
        var text: String
        var line: Int
    }

    static func blocks(_ markdown: String) -> [Block] {
        var result: [Block] = []
        var current: Block?
        for (i, line) in markdown.components(separatedBy: "\n").enumerated() {
            if line.hasPrefix("```") {
                if let b = current {
                    result.append(b)
                    current = nil
                } else {
                    current = Block(info: String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces), text: "", line: i + 1)
                }
            } else if current != nil {
                current!.text += line + "\n"
            }
        }
        return result
    }

    func testEveryExampleInPluginsDocRuns() throws {
        let root = OnnxRuntimeOracle.repoRoot.path
        let doc = try String(contentsOfFile: "\(root)/docs/plugins.md", encoding: .utf8)
        let repo = try PluginCatalog(path: "\(root)/plugins.json")
        for id in ["dcgan-faces", "selfie-segmenter", "image-person", "image-china"] {
            let files = (repo.models.first { $0.id == id }?.files ?? repo.data.first { $0.id == id }?.files) ?? []
            for f in files where FileCheck.status(f, at: repo.absolute(f.path)) != .present {
                throw XCTSkip("\(f.path) is missing: run scripts/fetch-models.py")
            }
        }
        // A scratch checkout: the fetched models and scripts linked, plugins.json copied.
        let dir = try SeeingCLI.tempDir().path
        try FileManager.default.createDirectory(atPath: "\(dir)/models", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/models/cache", withDestinationPath: "\(root)/models/cache")
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/scripts", withDestinationPath: "\(root)/scripts")
        var document = try JSONParser.parse(Data(contentsOf: URL(fileURLWithPath: "\(root)/plugins.json")))
        try PluginCatalog.write(document, to: "\(dir)/plugins.json")

        let blocks = Self.blocks(doc)
        XCTAssertGreaterThanOrEqual(blocks.count, 7)
        var commands = 0
        for b in blocks {
            let words = b.info.split(separator: " ").map(String.init)
            switch words.first {
            case "json" where words.dropFirst() == ["entry"]:
                let entry = try PluginsSchema.model(JSONNode(JSONParser.parse(b.text), source: "docs/plugins.md:\(b.line)"))
                document = try PluginCatalog(path: "\(dir)/plugins.json").adding(entry, replacing: false)
                try PluginCatalog.write(document, to: "\(dir)/plugins.json")
            case "json" where words.dropFirst() == ["registered"]:
                let entry = try PluginsSchema.model(JSONNode(JSONParser.parse(b.text), source: "docs/plugins.md:\(b.line)"))
                XCTAssertEqual(entry, try repo.model(entry.id), "docs/plugins.md:\(b.line) differs from plugins.json")
            case "sh":
                for line in b.text.split(separator: "\n") where !line.isEmpty {
                    XCTAssertFalse(line.contains("\"") || line.contains("'"), "keep doc commands free of quoting: \(line)")
                    let args = line.split(separator: " ").map(String.init)
                    XCTAssertEqual(args.first, "seeing", "docs/plugins.md:\(b.line): \(line)")
                    let r = try SeeingCLI.run(Array(args.dropFirst()), env: [PluginCatalog.environmentVariable: nil], directory: dir)
                    XCTAssertEqual(r.status, 0, "docs/plugins.md:\(b.line): \(line)\n\(r.stderr)")
                    commands += 1
                }
            case "swift":
                guard let file = words.dropFirst().first(where: { $0.hasPrefix("file=") })?.dropFirst(5) else {
                    XCTFail("docs/plugins.md:\(b.line): a Swift example names the file that holds it (```swift file=PATH)")
                    continue
                }
                let source = try String(contentsOfFile: "\(root)/\(file)", encoding: .utf8)
                XCTAssertTrue(source.contains(b.text), "docs/plugins.md:\(b.line): the example is not the text of \(file)")
            default:
                XCTFail("docs/plugins.md:\(b.line): a code block of kind '\(b.info)' is not exercised by this test")
            }
        }
        XCTAssertEqual(commands, 7)
        for f in ["out/onnx-faces/grid.png", "out/dcgan-faces-onnx.onnx", "out/segments/areas.csv", "out/my-faces/grid.png",
                  "out/my-faces.onnx", "models/my-faces/my-faces.onnx"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/\(f)"), f)
        }
        let areas = try String(contentsOfFile: "\(dir)/out/segments/areas.csv", encoding: .utf8)
        XCTAssertTrue(areas.contains("models/cache/images/person.jpg,1,person,0.0758"), areas)
    }
}
