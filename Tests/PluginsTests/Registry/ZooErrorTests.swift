import Foundation
import Plugins
import Runtime
import XCTest

/// Each way a registered model can be wrong gives one clear error: naming both hashes, the
/// fetch hint, the port with what plugins.json says and what the graph has, the known ids.
final class ZooErrorTests: XCTestCase {
    var dir = ""
    var plugins = ""

    override func setUpWithError() throws {
        (dir, plugins) = try RegistryFixture.tinyRegistry()
    }

    func testChangedFileGivesBothHashes() throws {
        let path = "\(dir)/models/tiny-gen/tiny-gen.onnx"
        let recorded = try RegistryFixture.digest(path).sha256
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[data.count - 1] ^= 0xFF  // same size, other content
        try data.write(to: URL(fileURLWithPath: path))
        let got = try SHA256.hex(file: path)
        XCTAssertThrowsPluginError(.hashMismatch, ["tiny-gen", "models/tiny-gen/tiny-gen.onnx", "sha256 \(got)", "records \(recorded)",
                                                   "import the model again"]) {
            try Zoo(path: plugins).load("tiny-gen")
        }
        try (data + Data([0])).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsPluginError(.hashMismatch, ["has \(data.count + 1) bytes, plugins.json records \(data.count)"]) {
            try Zoo(path: plugins).load("tiny-gen")
        }
    }

    func testMissingFileSaysHowToGetIt() throws {
        try FileManager.default.removeItem(atPath: "\(dir)/models/tiny-seg/tiny-seg.onnx")
        XCTAssertThrowsPluginError(.missingFile, ["tiny-seg: file models/tiny-seg/tiny-seg.onnx is missing", "no fetch recipe"]) {
            try Zoo(path: plugins).segmenter("tiny-seg")
        }
        // With a recipe the hint is the fetch command.
        try RegistryFixture.edit(plugins) {
            $0.replacingOccurrences(of: #""path": "models/tiny-seg/tiny-seg.onnx","#,
                                    with: #""path": "models/tiny-seg/tiny-seg.onnx", "convert": {"script": "make.py", "from": "src.bin"},"#)
        }
        XCTAssertThrowsPluginError(.missingFile, ["fetch it with `seeing zoo fetch tiny-seg`"]) { try Zoo(path: plugins).load("tiny-seg") }
    }

    func testPortMismatchNamesPortExpectedAndGot() throws {
        try RegistryFixture.edit(plugins) { $0.replacingOccurrences(of: #""shape": ["N", 2]"#, with: #""shape": ["N", 3]"#) }
        XCTAssertThrowsPluginError(.portMismatch, ["model 'tiny-gen'", "input port 'z'", "expected shape [N, 3], got [N, 2]"]) {
            try Zoo(path: plugins).load("tiny-gen")
        }
        try RegistryFixture.edit(plugins) {
            $0.replacingOccurrences(of: #""shape": ["N", 3]"#, with: #""shape": ["N", 2]"#)
                .replacingOccurrences(of: #""name": "logits", "dtype": "float32""#, with: #""name": "logits", "dtype": "float16""#)
        }
        XCTAssertThrowsPluginError(.portMismatch, ["output port 'logits': expected float16, got float32"]) { try Zoo(path: plugins).load("tiny-seg") }
        try RegistryFixture.edit(plugins) { $0.replacingOccurrences(of: #""name": "pixels""#, with: #""name": "rgb""#) }
        XCTAssertThrowsPluginError(.portMismatch, ["input port 'rgb': the graph has no input 'rgb'; its inputs: 'pixels'"]) {
            try Zoo(path: plugins).load("tiny-feat")
        }
        try RegistryFixture.edit(plugins) { $0.replacingOccurrences(of: #""layers": ["hidden", "grid"]"#, with: #""layers": ["hidden", "grid2"]"#) }
        XCTAssertThrowsPluginError(.portMismatch, ["layer 'grid2': no node of the graph computes 'grid2'"]) { try Zoo(path: plugins).load("tiny-gen") }
    }

    func testSymbolicPortOnAFixedDimensionIsAMismatch() throws {
        try RegistryFixture.edit(plugins) { $0.replacingOccurrences(of: #""shape": [1, 3, 2, 2], "role": "image""#, with: #""shape": ["N", 3, 2, 2], "role": "image""#) }
        XCTAssertThrowsPluginError(.portMismatch, ["input port 'image'", "dimension 0 is fixed at 1, not free like 'N'"]) { try Zoo(path: plugins).load("tiny-seg") }
    }

    func testOpsetMismatch() throws {
        try RegistryFixture.edit(plugins) { $0.replacingOccurrences(of: "\"opset\": 17,\n  \"inputs\": [{\"name\": \"z\"", with: "\"opset\": 13,\n  \"inputs\": [{\"name\": \"z\"") }
        XCTAssertThrowsPluginError(.portMismatch, ["model 'tiny-gen': opset: plugins.json says 13, the graph imports 17"]) { try Zoo(path: plugins).load("tiny-gen") }
    }

    func testUnknownArchitectureListsTheKnownOnes() throws {
        try RegistryFixture.edit(plugins) { $0.replacingOccurrences(of: #""id": "tiny-seg", "kind": "segmenter", "architecture": "onnx""#,
                                                                    with: #""id": "tiny-seg", "kind": "segmenter", "architecture": "upernet-x""#) }
        XCTAssertThrowsPluginError(.unknownID, ["model 'tiny-seg'", "unknown segmenter architecture 'upernet-x'; known: onnx"]) {
            try Zoo(path: plugins).load("tiny-seg")
        }
    }

    func testWeightsFileOfTheGenericArchitectureIsRefused() throws {
        try RegistryFixture.edit(plugins) { $0.replacingOccurrences(of: #""role": "model", "path": "models/tiny-gen"#, with: #""role": "weights", "path": "models/tiny-gen"#) }
        XCTAssertThrowsPluginError(.schema, ["the 'onnx' architecture needs a file with role \"model\""]) { try Zoo(path: plugins).load("tiny-gen") }
    }
}
