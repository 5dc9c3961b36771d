import Foundation
import Importer
import Runtime
import XCTest

/// `seeing train-encoder` on a tiny generator: it learns, checkpoints carry the encoder as ONNX
/// and the loss curve, a killed run resumes to exactly the uninterrupted result, and resuming
/// under other settings is refused.
final class TrainEncoderCommandTests: XCTestCase {
    /// z (N,4,1,1) → ConvTranspose 4→8 (k4) → Relu → ConvTranspose 8→3 (k4 s2 p1) → Tanh: 3×8×8.
    func tinyGenerator(in dir: URL) throws -> String {
        let g = Graph(nodes: [Node(opType: "ConvTranspose", inputs: ["z", "w1"], outputs: ["h"], attributes: ["kernel_shape": .ints([4, 4])]),
                              Node(opType: "Relu", inputs: ["h"], outputs: ["r"]),
                              Node(opType: "ConvTranspose", inputs: ["r", "w2"], outputs: ["x"],
                                   attributes: ["kernel_shape": .ints([4, 4]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])]),
                              Node(opType: "Tanh", inputs: ["x"], outputs: ["image"])],
                      inputs: [ValueInfo(name: "z", dtype: .float32, shape: [.symbolic("N"), .fixed(4), .fixed(1), .fixed(1)])],
                      outputs: [ValueInfo(name: "image", dtype: .float32, shape: nil)],
                      initializers: ["w1": Tensor.randomNormal([4, 8, 4, 4], seed: 3), "w2": Tensor.randomNormal([8, 3, 4, 4], seed: 4)])
        let path = dir.appendingPathComponent("tiny.onnx").path
        try ONNXExporter.write(Model(graph: g), to: path)
        return path
    }

    func train(_ generator: String, _ out: URL, steps: Int, extra: [String] = []) throws -> SeeingCLI.Result {
        try SeeingCLI.run(["train-encoder", generator, "--out", out.path, "--steps", "\(steps)", "--batch", "8", "--width", "8",
                           "--lr", "0.01", "--checkpoint-every", "3", "--evaluate", "16"] + extra)
    }

    func losses(_ dir: URL) throws -> [Float] {
        try String(contentsOf: dir.appendingPathComponent("losses.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
            .map { Float($0.split(separator: ",")[1])! }
    }

    func testTrainsCheckpointsResumesExactlyAndRefusesChangedSettings() throws {
        let dir = try SeeingCLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let generator = try tinyGenerator(in: dir)

        let full = dir.appendingPathComponent("full")
        let r = try train(generator, full, steps: 60)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("held-out 16 samples: latent correlation"), r.stdout)
        let curve = try losses(full)
        XCTAssertEqual(curve.count, 60)
        let first = curve.prefix(10).reduce(0, +) / 10, last = curve.suffix(10).reduce(0, +) / 10
        XCTAssertLessThan(last, first * 0.8, "the encoder learns: \(first) → \(last)")
        let step60 = full.appendingPathComponent("checkpoints/step-00000060")
        XCTAssertNoThrow(try ONNXImporter.load(path: step60.appendingPathComponent("encoder.onnx").path))
        XCTAssertEqual(try losses(step60), curve)

        // A run "killed" after its step-3 checkpoint, resumed: the same weights and curve.
        let killed = dir.appendingPathComponent("killed")
        try FileManager.default.createDirectory(at: killed.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: full.appendingPathComponent("checkpoints/step-00000003"),
                                         to: killed.appendingPathComponent("checkpoints/step-00000003"))
        try FileManager.default.copyItem(at: full.appendingPathComponent("settings.json"), to: killed.appendingPathComponent("settings.json"))
        let resumed = try train(generator, killed, steps: 60)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("resumed from step 3"), resumed.stdout)
        XCTAssertEqual(try losses(killed), curve)
        XCTAssertEqual(try Data(contentsOf: killed.appendingPathComponent("encoder.onnx")),
                       try Data(contentsOf: full.appendingPathComponent("encoder.onnx")))

        let changed = try train(generator, full, steps: 90)
        XCTAssertNotEqual(changed.status, 0)
        XCTAssertTrue(changed.stderr.contains("--steps 60 → 90"), changed.stderr)
    }
}
