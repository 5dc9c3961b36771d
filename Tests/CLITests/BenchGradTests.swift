import Foundation
import ONNXTestSupport
import XCTest

/// `seeing bench --grad-of`: times forward and forward+backward on a tiny model y = tanh(x ⊙ w).
final class BenchGradTests: XCTestCase {
    var dir: URL!
    var modelPath: String { dir.appendingPathComponent("m.onnx").path }

    override func setUpWithError() throws {
        dir = try SeeingCLI.tempDir()
        let m = Proto.model(nodes: [Proto.node("Mul", ["x", "w"], ["m"]), Proto.node("Tanh", ["m"], ["y"])],
                            inputs: [Proto.value("x", 1, [2, 3])], outputs: [Proto.value("y", 1, [2, 3])],
                            initializers: [ModelFactory.floatTensor("w", dims: [3], values: [0.5, -1, 2])], opset: 17)
        try ModelFactory.write(m, to: modelPath)
    }

    func testJSONHasForwardAndBackwardMedians() throws {
        let r = try SeeingCLI.run(["bench", modelPath, "--input", "x=random:1", "--warmup", "1", "--repeat", "3",
                                   "--grad-of", "y", "--wrt", "x,w", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
        let fwd = try XCTUnwrap(obj["median_ms"] as? Double), bwd = try XCTUnwrap(obj["grad_median_ms"] as? Double, r.stdout)
        let ratio = try XCTUnwrap(obj["grad_ratio"] as? Double)
        XCTAssertGreaterThan(fwd, 0)
        XCTAssertGreaterThan(bwd, 0)
        XCTAssertEqual(ratio, bwd / fwd, accuracy: 1e-9 * ratio)
        XCTAssertLessThanOrEqual(try XCTUnwrap(obj["grad_min_ms"] as? Double), bwd)
    }

    func testTextPrintsBothAndPlainBenchHasNoGradient() throws {
        let r = try SeeingCLI.run(["bench", modelPath, "--input", "x=random:1", "--warmup", "1", "--repeat", "2",
                                   "--grad-of", "y", "--wrt", "w"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("median"), r.stdout)
        XCTAssertTrue(r.stdout.contains("forward+backward: median"), r.stdout)
        let plain = try SeeingCLI.run(["bench", modelPath, "--input", "x=random:1", "--warmup", "1", "--repeat", "2", "--json"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertFalse(plain.stdout.contains("grad_median_ms"), plain.stdout)
    }

    func testBadRequestsFailClearly() throws {
        let base = ["bench", modelPath, "--input", "x=random:1", "--warmup", "1", "--repeat", "1"]
        let unknown = try SeeingCLI.run(base + ["--grad-of", "y", "--wrt", "nope"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("'nope'"), unknown.stderr)
        let noOutput = try SeeingCLI.run(base + ["--grad-of", "zz", "--wrt", "w"])
        XCTAssertNotEqual(noOutput.status, 0)
        XCTAssertTrue(noOutput.stderr.contains("'zz'"), noOutput.stderr)
        let noOf = try SeeingCLI.run(base + ["--wrt", "w"])
        XCTAssertNotEqual(noOf.status, 0)
        XCTAssertTrue(noOf.stderr.contains("--grad-of"), noOf.stderr)
        let noWrt = try SeeingCLI.run(base + ["--grad-of", "y"])
        XCTAssertNotEqual(noWrt.status, 0)
        XCTAssertTrue(noWrt.stderr.contains("--wrt"), noWrt.stderr)
    }
}
