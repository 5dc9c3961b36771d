import Foundation
import Importer
import ONNXTestSupport
import Runtime
import XCTest

/// `seeing grad` against gradients worked out by hand for y = tanh(x ⊙ w) + bias.
final class GradCommandTests: XCTestCase {
    var dir: URL!
    var modelPath: String { dir.appendingPathComponent("m.onnx").path }

    override func setUpWithError() throws {
        dir = try SeeingCLI.tempDir()
        // x: 2×3 input; w and "bias/0" (a name that needs sanitising): 3-element initializers.
        let m = Proto.model(nodes: [Proto.node("Mul", ["x", "w"], ["m"]), Proto.node("Tanh", ["m"], ["t"]),
                                    Proto.node("Add", ["t", "bias/0"], ["y"])],
                            inputs: [Proto.value("x", 1, [2, 3])], outputs: [Proto.value("y", 1, [2, 3])],
                            initializers: [ModelFactory.floatTensor("w", dims: [3], values: [0.5, -1, 2]),
                                           ModelFactory.floatTensor("bias/0", dims: [3], values: [1, 2, 3])], opset: 17)
        try ModelFactory.write(m, to: modelPath)
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func testGradientsMatchTheHandComputation() throws {
        let x: [Float] = [0.1, -0.2, 0.3, 0.4, 0.5, -0.6], w: [Float] = [0.5, -1, 2]
        let c: [Float] = [1, 2, 3, 4, 5, 6].map { $0 * 0.5 }
        try NPY.write(Tensor(shape: [2, 3], floats: x), to: path("x.npy"))
        try NPY.write(Tensor(shape: [2, 3], floats: c), to: path("c.npy"))
        // By hand: s = 1 − tanh²(x·w); dx = c·s·w; dw_j = Σ_i c·s·x; dbias_j = Σ_i c.
        var dx = [Double](repeating: 0, count: 6), dw = [Double](repeating: 0, count: 3), db = dw
        for i in 0..<2 {
            for j in 0..<3 {
                let k = 3 * i + j
                let t = tanh(Double(x[k]) * Double(w[j]))
                let s = 1 - t * t
                dx[k] = Double(c[k]) * s * Double(w[j])
                dw[j] += Double(c[k]) * s * Double(x[k])
                db[j] += Double(c[k])
            }
        }
        for backend in ["reference", "dnnl"] {
            let out = path("out-\(backend)")
            let r = try SeeingCLI.run(["grad", modelPath, "--of", "y", "--wrt", "x,w", "--wrt", "bias/0", "--input", "x=\(path("x.npy"))",
                                       "--cotangent", path("c.npy"), "--output-dir", out, "--backend", backend])
            XCTAssertEqual(r.status, 0, r.stderr)
            for (file, expected, shape) in [("x.npy", dx, [2, 3]), ("w.npy", dw, [3]), ("bias_0.npy", db, [3])] {
                let g = try NPY.read(path: out + "/" + file)
                XCTAssertEqual(g.dtype, .float32, file)
                XCTAssertEqual(g.shape, shape, file)
                for (a, e) in zip(g.doubles, expected) { XCTAssertEqual(a, e, accuracy: 1e-5, "\(backend) \(file): \(g.doubles)") }
            }
        }
    }

    func testDefaultCotangentIsOnesWithRandomInputs() throws {
        let r = try SeeingCLI.run(["grad", modelPath, "--of", "y", "--wrt", "bias/0", "--input", "x=random:3", "--output-dir", path("out")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("bias_0.npy"), r.stdout)
        // d Σ y / d bias_j = number of rows.
        XCTAssertEqual(try NPY.read(path: path("out/bias_0.npy")).floats, [2, 2, 2])
    }

    func testBadRequestsFailClearly() throws {
        let base = ["grad", modelPath, "--of", "y", "--input", "x=random:1", "--output-dir", path("out")]
        let unknown = try SeeingCLI.run(base + ["--wrt", "nope"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("'nope'"), unknown.stderr)
        try NPY.write(Tensor(shape: [3], floats: [1, 2, 3]), to: path("bad.npy"))
        let cot = try SeeingCLI.run(base + ["--wrt", "w", "--cotangent", path("bad.npy")])
        XCTAssertNotEqual(cot.status, 0)
        XCTAssertTrue(cot.stderr.contains("cotangent"), cot.stderr)
        let missing = try SeeingCLI.run(base + ["--wrt", "w", "--of", "zz"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("'zz'"), missing.stderr)
    }
}
