import Foundation
import XCTest
@testable import Runtime

/// Training loops: resume after a kill gives bit-identical weights; NaN stops with the step.
final class TrainerTests: XCTestCase {
    /// Rules for the three ops of the regression graph, in a private registry (the standard
    /// rules are tested elsewhere; this keeps the loop's test independent of them).
    func registry() -> OpRegistry {
        let r = OpRegistry()
        for op in ["Add", "Sub", "Mul"] { r.register(OpRegistry.standard.definition(domain: "", type: op)!) }
        let mul = try! OpRegistry.standard.definition(domain: "", type: "Mul")!.makeReference(Node(opType: "Mul", inputs: [], outputs: []), 17)
        let neg = try! OpRegistry.standard.definition(domain: "", type: "Neg")!.makeReference(Node(opType: "Neg", inputs: [], outputs: []), 17)
        r.registerVJP("Add") { c in [try c.outputGrad(0), try c.outputGrad(0)] }
        r.registerVJP("Sub") { c in [try c.outputGrad(0), try neg.run([try c.outputGrad(0)], c.kernelContext)[0]] }
        r.registerVJP("Mul") { c in
            let g = try c.outputGrad(0)
            return [try mul.run([g, c.inputs[1]], c.kernelContext)[0], try mul.run([g, c.inputs[0]], c.kernelContext)[0]]
        }
        return r
    }

    /// loss_i = (x_i·w + b − t_i)², summed by the trainer.
    func session() throws -> Session {
        let g = Graph(nodes: [Node(opType: "Mul", inputs: ["x", "w"], outputs: ["xw"]),
                              Node(opType: "Add", inputs: ["xw", "b"], outputs: ["p"]),
                              Node(opType: "Sub", inputs: ["p", "t"], outputs: ["d"]),
                              Node(opType: "Mul", inputs: ["d", "d"], outputs: ["loss"])],
                      inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.fixed(8)]),
                               ValueInfo(name: "t", dtype: .float32, shape: [.fixed(8)])],
                      outputs: [ValueInfo(name: "loss", dtype: .float32, shape: nil)],
                      initializers: ["w": Tensor(shape: [1], floats: [0]), "b": Tensor(shape: [1], floats: [0])])
        return try Session(model: Model(graph: g), backend: ReferenceBackend(), registry: registry(), parameters: ["w", "b"])
    }

    /// Batch k: x ~ N(0,1) seeded by k, t = 3x − 1.
    func batch(_ k: Int) -> [String: Tensor] {
        let x = Tensor.randomNormal([8], seed: UInt64(k) + 1)
        return ["x": x, "t": Tensor(shape: [8], floats: x.floats.map { 3 * $0 - 1 })]
    }

    func trainer(_ s: Session, steps: Int, dir: String?) -> Trainer {
        var o = Trainer.Options(steps: steps)
        o.checkpointEvery = 3
        o.checkpointDirectory = dir
        o.progress = false
        return Trainer(session: s, loss: "loss", optimizer: Adam(lr: 0.05), options: o, batch: batch)
    }

    func tempDir() -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("seeing-train-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    func testTrainingConvergesAndResumeIsExact() throws {
        let full = try session()
        let t = trainer(full, steps: 400, dir: nil)
        try t.run()
        XCTAssertEqual(full.parameters["w"]!.floats[0], 3, accuracy: 0.05)
        XCTAssertEqual(full.parameters["b"]!.floats[0], -1, accuracy: 0.05)
        XCTAssertLessThan(t.losses.last!, t.losses.first! / 100)

        // Uninterrupted 10 steps vs 7 steps, a "kill" that loses the step-7 checkpoint, resume to 10.
        let reference = try session()
        try trainer(reference, steps: 10, dir: tempDir()).run()
        let dir = tempDir()
        try trainer(try session(), steps: 7, dir: dir).run()
        try FileManager.default.removeItem(atPath: dir + "/step-00000007")
        XCTAssertEqual(Checkpoint.latest(in: dir).map { ($0 as NSString).lastPathComponent }, "step-00000006")
        let resumed = try session()
        let r = trainer(resumed, steps: 10, dir: dir)
        XCTAssertEqual(try r.run(), 6, "resumed from step 6")
        XCTAssertEqual(r.losses.count, 4)
        for k in ["w", "b"] {
            XCTAssertEqual(resumed.parameters[k]!.floats, reference.parameters[k]!.floats, "bit-identical \(k)")
        }
    }

    func testNaNLossStopsNamingTheStepAndKeepsTheLastCheckpoint() throws {
        let dir = tempDir()
        var o = Trainer.Options(steps: 10)
        o.checkpointEvery = 2
        o.checkpointDirectory = dir
        o.progress = false
        let t = Trainer(session: try session(), loss: "loss", optimizer: SGD(schedule: .constant(0.01)), options: o) { k in
            var b = self.batch(k)
            if k == 5 { b["t"] = Tensor(shape: [8], floats: [Float](repeating: .nan, count: 8)) }
            return b
        }
        XCTAssertThrowsError(try t.run()) { e in
            XCTAssertTrue("\(e)".contains("at step 5") && "\(e)".contains("step-00000004"), "\(e)")
        }
        let kept = try Checkpoint.read(from: dir + "/step-00000004")
        XCTAssertEqual(kept.step, 4)
        XCTAssertTrue(kept.parameters["w"]!.floats[0].isFinite)
    }

    /// Batch-norm running statistics follow the batches during training (ONNX momentum rule)
    /// while only the scale and bias are trained; the inference graph is untouched.
    func testBatchNormRunningStatisticsAreUpdatedEachStep() throws {
        let c = 2
        let g = Graph(nodes: [Node(opType: "BatchNormalization", inputs: ["x", "scale", "bias", "mean", "var"], outputs: ["y"]),
                              Node(opType: "Sub", inputs: ["y", "t"], outputs: ["d"]),
                              Node(opType: "Mul", inputs: ["d", "d"], outputs: ["loss"])],
                      inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.fixed(4), .fixed(c)]),
                               ValueInfo(name: "t", dtype: .float32, shape: [.fixed(4), .fixed(c)])],
                      outputs: [ValueInfo(name: "loss", dtype: .float32, shape: nil)],
                      initializers: ["scale": Tensor(shape: [c], floats: [1, 1]), "bias": Tensor(shape: [c], floats: [0, 0]),
                                     "mean": Tensor(shape: [c], floats: [0, 0]), "var": Tensor(shape: [c], floats: [1, 1])])
        let training = BatchNormTraining.enable(g, opset: 17)
        XCTAssertEqual(training.statistics, ["mean", "var"])
        XCTAssertEqual(g.nodes[0].outputs, ["y"], "the inference graph is unchanged")
        let s = try Session(model: Model(graph: training.graph), backend: ReferenceBackend(),
                            parameters: ["scale", "bias", "mean", "var"])
        // Channel 0 holds 1, 2, 3, 6 (mean 3, population variance 3.5); channel 1 holds 0, 0, 4, 4 (mean 2, variance 4).
        let x = Tensor(shape: [4, c], floats: [1, 0, 2, 0, 3, 4, 6, 4])
        var o = Trainer.Options(steps: 2)
        o.progress = false
        o.trainable = ["scale", "bias"]
        o.stateUpdates = training.updates
        let t = Trainer(session: s, loss: "loss", optimizer: SGD(schedule: .constant(0.01)), options: o) { _ in
            ["x": x, "t": Tensor(zeros: [4, c])]
        }
        try t.run()
        // Two steps from (0, 1) with momentum 0.9: m₂ = 0.19·μ, v₂ = 0.81 + 0.19·σ².
        let mean = s.parameters["mean"]!.floats, variance = s.parameters["var"]!.floats
        XCTAssertEqual(mean[0], 0.19 * 3, accuracy: 1e-5)
        XCTAssertEqual(mean[1], 0.19 * 2, accuracy: 1e-5)
        XCTAssertEqual(variance[0], 0.81 + 0.19 * 3.5, accuracy: 1e-5)
        XCTAssertEqual(variance[1], 0.81 + 0.19 * 4, accuracy: 1e-5)
        XCTAssertNotEqual(s.parameters["scale"]!.floats, [1, 1], "scale was trained")
    }
}
