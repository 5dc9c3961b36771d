import Foundation
import Importer
import ONNXTestSupport
import Runtime
import XCTest

/// Each kind of bad input gets one clear error naming the file (and node or value), a non-zero
/// exit status, and no crash.
final class BadInputTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try SeeingCLI.tempDir() }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Runs `args` expecting a clean failure whose message contains every fragment.
    func expectFailure(_ args: [String], mentions fragments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try SeeingCLI.run(args)
        XCTAssertNotEqual(r.status, 0, "expected failure, stdout: \(r.stdout)", file: file, line: line)
        XCTAssertLessThan(r.status, 128, "crashed (signal?): \(r.stderr)", file: file, line: line)
        XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr, file: file, line: line)
        for f in fragments {
            XCTAssertTrue(r.stderr.contains(f), "stderr lacks '\(f)': \(r.stderr)", file: file, line: line)
        }
    }

    func testTruncatedFile() throws {
        let data = try ModelFactory.reluAdd().serializedData()
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path("cut.onnx")))
        try expectFailure(["inspect", path("cut.onnx")], mentions: [path("cut.onnx")])
    }

    func testEmptyFile() throws {
        FileManager.default.createFile(atPath: path("empty.onnx"), contents: Data())
        try expectFailure(["inspect", path("empty.onnx")], mentions: [path("empty.onnx")])
    }

    func testFileThatIsNotONNX() throws {
        try "this is plain text, not a model\n".write(toFile: path("notes.onnx"), atomically: true, encoding: .utf8)
        try expectFailure(["inspect", path("notes.onnx")], mentions: [path("notes.onnx"), "ONNX"])
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]).write(to: URL(fileURLWithPath: path("img.onnx")))
        try expectFailure(["inspect", path("img.onnx")], mentions: [path("img.onnx")])
    }

    func testMissingFile() throws {
        try expectFailure(["inspect", path("nope.onnx")], mentions: [path("nope.onnx")])
    }

    func testUnsupportedOpIsReportedByInspectAndRefusedByRun() throws {
        var m = ModelFactory.reluAdd()
        m.graph.node.append(Proto.node("FrobnicateOp", ["r"], ["f"], name: "frob1"))
        m.graph.node.append(Proto.node("FrobnicateOp", ["r"], ["g"], name: "frob2"))
        m.graph.node.append(Proto.node("Zorp", ["r"], ["h"], name: "zorp"))
        try ModelFactory.write(m, to: path("u.onnx"))
        let r = try SeeingCLI.run(["inspect", path("u.onnx")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("FrobnicateOp: frob1, frob2"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Zorp: zorp"), r.stdout)
        try expectFailure(["run", path("u.onnx"), "--input", "x=random:1", "--dim", "N=1", "--output-dir", path("o")],
                          mentions: [path("u.onnx"), "FrobnicateOp", "frob1", "Zorp"])
    }

    func testUnsupportedDType() throws {
        var m = ModelFactory.reluAdd()
        var s = Onnx_TensorProto()
        s.name = "labels"
        s.dataType = 8 // STRING
        s.dims = [1]
        s.stringData = [Data("a".utf8)]
        m.graph.initializer.append(s)
        try ModelFactory.write(m, to: path("s.onnx"))
        try expectFailure(["inspect", path("s.onnx")], mentions: [path("s.onnx"), "labels", "string"])
    }

    func testMissingExternalDataFile() throws {
        var m = ModelFactory.reluAdd()
        var b = Onnx_TensorProto()
        b.name = "b"
        b.dataType = 1
        b.dims = [3]
        b.dataLocation = .external
        var loc = Onnx_StringStringEntryProto()
        loc.key = "location"
        loc.value = "weights.bin"
        b.externalData = [loc]
        m.graph.initializer = [b]
        try ModelFactory.write(m, to: path("ext.onnx"))
        try expectFailure(["inspect", path("ext.onnx")], mentions: ["weights.bin", "'b'"])
    }

    func testInputOfWrongShape() throws {
        try ModelFactory.write(ModelFactory.reluAdd(), to: path("m.onnx"))
        try NPY.write(Tensor(zeros: [2, 4]), to: path("x.npy"))
        try expectFailure(["run", path("m.onnx"), "--input", "x=\(path("x.npy"))", "--output-dir", path("o")],
                          mentions: [path("m.onnx"), "'x'", "[N, 3]", "[2, 4]"])
    }

    func testInputOfWrongDType() throws {
        try ModelFactory.write(ModelFactory.reluAdd(), to: path("m.onnx"))
        try NPY.write(Tensor(zeros: [2, 3], dtype: .float64), to: path("x.npy"))
        try expectFailure(["run", path("m.onnx"), "--input", "x=\(path("x.npy"))", "--output-dir", path("o")],
                          mentions: [path("m.onnx"), "'x'", "float32", "float64"])
    }

    func testUnknownInputName() throws {
        try ModelFactory.write(ModelFactory.reluAdd(), to: path("m.onnx"))
        try expectFailure(["run", path("m.onnx"), "--input", "x=random:1", "--input", "q=random:2", "--dim", "N=1",
                           "--output-dir", path("o")], mentions: ["'q'"])
    }

    func testGraphWithCycle() throws {
        let m = Proto.model(
            nodes: [Proto.node("Relu", ["t2"], ["t1"], name: "first"),
                    Proto.node("Relu", ["t1"], ["t2"], name: "second")],
            inputs: [Proto.value("x", 1, [1])],
            outputs: [Proto.value("t1", 1, [1])])
        try ModelFactory.write(m, to: path("cycle.onnx"))
        try expectFailure(["run", path("cycle.onnx"), "--input", "x=random:1", "--output-dir", path("o")],
                          mentions: [path("cycle.onnx"), "cycle", "first"])
    }

    func testGraphWithDanglingInput() throws {
        let m = Proto.model(
            nodes: [Proto.node("Relu", ["nowhere"], ["y"], name: "lost")],
            inputs: [Proto.value("x", 1, [1])],
            outputs: [Proto.value("y", 1, [1])])
        try ModelFactory.write(m, to: path("dangling.onnx"))
        try expectFailure(["run", path("dangling.onnx"), "--input", "x=random:1", "--output-dir", path("o")],
                          mentions: [path("dangling.onnx"), "'nowhere'", "lost", "dangling"])
    }

    func testBadInputSpec() throws {
        try ModelFactory.write(ModelFactory.reluAdd(), to: path("m.onnx"))
        try expectFailure(["run", path("m.onnx"), "--input", "x", "--output-dir", path("o")], mentions: ["NAME=FILE.npy"])
        try expectFailure(["run", path("m.onnx"), "--input", "x=\(path("missing.npy"))", "--output-dir", path("o")],
                          mentions: [path("missing.npy")])
    }
}
