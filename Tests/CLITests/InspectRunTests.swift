import Foundation
import Runtime
import XCTest

final class InspectRunTests: XCTestCase {
    func testInspectShowsInputsOutputsOpsAndParameters() throws {
        let dir = try SeeingCLI.tempDir()
        let path = dir.appendingPathComponent("m.onnx").path
        try ModelFactory.write(ModelFactory.reluAdd(), to: path)
        let r = try SeeingCLI.run(["inspect", path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("x  float32[N, 3]"), r.stdout)
        XCTAssertTrue(r.stdout.contains("y:out/0  float32[N, 3]"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Relu ×1"), r.stdout)
        XCTAssertTrue(r.stdout.contains("parameters: 3 in 1 initializers"), r.stdout)
        XCTAssertTrue(r.stdout.contains("unsupported ops: none"), r.stdout)
        XCTAssertTrue(r.stdout.contains("ai.onnx 17"), r.stdout)
    }

    func testRunWritesEveryOutputWithSanitisedName() throws {
        let dir = try SeeingCLI.tempDir()
        let path = dir.appendingPathComponent("m.onnx").path
        try ModelFactory.write(ModelFactory.reluAdd(), to: path)
        let x = Tensor(shape: [2, 3], floats: [-1, 2, -3, 4, -5, 6])
        let xPath = dir.appendingPathComponent("x.npy").path
        try NPY.write(x, to: xPath)
        let out = dir.appendingPathComponent("out").path
        for backend in ["reference", "dnnl"] {
            let r = try SeeingCLI.run(["run", path, "--input", "x=\(xPath)", "--output-dir", out, "--backend", backend])
            XCTAssertEqual(r.status, 0, r.stderr)
            let y = try NPY.read(path: out + "/y_out_0.npy")
            XCTAssertEqual(y.shape, [2, 3])
            // relu(x) + [1, 2, 3]
            XCTAssertEqual(y.floats, [1, 4, 3, 5, 2, 9])
        }
    }

    func testRandomInputUsesDeclaredShapeAndDims() throws {
        let dir = try SeeingCLI.tempDir()
        let path = dir.appendingPathComponent("m.onnx").path
        try ModelFactory.write(ModelFactory.reluAdd(), to: path)
        let out = dir.appendingPathComponent("out").path
        let missing = try SeeingCLI.run(["run", path, "--input", "x=random:3", "--output-dir", out])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("--dim N=SIZE"), missing.stderr)

        let a = try SeeingCLI.run(["run", path, "--input", "x=random:3", "--dim", "N=4", "--output-dir", out + "/a"])
        let b = try SeeingCLI.run(["run", path, "--input", "x=random:3", "--dim", "N=4", "--output-dir", out + "/b"])
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(b.status, 0, b.stderr)
        let ya = try NPY.read(path: out + "/a/y_out_0.npy"), yb = try NPY.read(path: out + "/b/y_out_0.npy")
        XCTAssertEqual(ya.shape, [4, 3])
        XCTAssertEqual(ya.floats, yb.floats, "same seed, same input")
        // relu(x) + b ≥ b elementwise.
        for (i, v) in ya.floats.enumerated() { XCTAssertGreaterThanOrEqual(v, Float(i % 3 + 1)) }
    }
}
