import XCTest
@testable import Runtime

/// BatchNormalization (inference mode; training mode with the gradient through the batch
/// statistics and the running/saved statistics outputs), InstanceNormalization,
/// LayerNormalization (all three outputs) and LRN against central finite differences in float64.
final class NormalizationVJPTests: XCTestCase {
    private func r(_ shape: [Int], _ seed: UInt64, scale: Double = 1, offset: Double = 0) -> Tensor {
        GradCheck.random(shape, seed: seed, scale: scale, offset: offset)
    }

    /// Positive variances.
    private func variance(_ n: Int, _ seed: UInt64) -> Tensor {
        Tensor(shape: [n], dtype: .float64, doubles: r([n], seed).doubles.map { abs($0) + 0.5 })
    }

    /// Checks output `index` of a one-node graph (inputs x0, x1, …; outputs y0, y1, …).
    private func check(_ op: String, _ inputs: [Tensor], _ attributes: [String: Attribute], opset: Int,
                       outputs: Int, index: Int, wrt: [String]? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        let names = inputs.indices.map { "x\($0)" }
        let outs = (0..<outputs).map { "y\($0)" }
        let g = Graph(nodes: [Node(opType: op, inputs: names, outputs: outs, attributes: attributes)],
                      inputs: zip(names, inputs).map { ValueInfo(name: $0, dtype: $1.dtype, shape: $1.shape.map { .fixed($0) }) },
                      outputs: outs.map { ValueInfo(name: $0, dtype: nil, shape: nil) })
        try GradCheck.check(graph: g, opset: opset, feeds: Dictionary(uniqueKeysWithValues: zip(names, inputs)),
                            output: outs[index], wrt: wrt, file: file, line: line)
    }

    func testBatchNormInferenceModeAllInputs() throws {
        try GradCheck.check("BatchNormalization", [r([2, 3, 4, 3], 1), r([3], 2), r([3], 3), r([3], 4), variance(3, 5)],
                            ["epsilon": .float(1e-3)])
        try GradCheck.check("BatchNormalization", [r([4, 3], 6), r([3], 7), r([3], 8), r([3], 9), variance(3, 10)])
    }

    /// Opset 7–8 spatial = 0: one parameter per (channel, position).
    func testBatchNormNonSpatial() throws {
        let x = r([3, 2, 2, 2], 11)
        let p = { (s: UInt64) in Tensor(shape: [2, 2, 2], dtype: .float64, doubles: self.r([8], s).doubles) }
        let v = Tensor(shape: [2, 2, 2], dtype: .float64, doubles: variance(8, 15).doubles)
        try GradCheck.check("BatchNormalization", [x, p(12), p(13), p(14), v], ["spatial": .int(0)], opset: 8)
    }

    func testBatchNormTrainingModeOpset15() throws {
        let inputs = [r([3, 2, 3, 2], 20, scale: 2, offset: 1), r([2], 21), r([2], 22), r([2], 23), variance(2, 24)]
        let attrs: [String: Attribute] = ["training_mode": .int(1), "momentum": .float(0.8), "epsilon": .float(1e-2)]
        for index in 0..<3 {
            try check("BatchNormalization", inputs, attrs, opset: 15, outputs: 3, index: index)
        }
    }

    /// Before opset 14 extra outputs select training mode: running mean/var, saved mean/var.
    func testBatchNormTrainingModeOpset9SavedStatistics() throws {
        let inputs = [r([2, 3, 2, 2], 30), r([3], 31), r([3], 32), r([3], 33), variance(3, 34)]
        for index in 0..<5 {
            try check("BatchNormalization", inputs, ["momentum": .float(0.7)], opset: 9, outputs: 5, index: index)
        }
    }

    func testInstanceNorm() throws {
        try GradCheck.check("InstanceNormalization", [r([2, 3, 4, 3], 40), r([3], 41), r([3], 42)], ["epsilon": .float(1e-3)])
        try GradCheck.check("InstanceNormalization", [r([2, 2, 5], 43, offset: 3), r([2], 44), r([2], 45)])
    }

    func testLayerNormAllOutputs() throws {
        let x = r([2, 3, 4], 50)
        // stash_type float64: the statistics outputs keep full precision for the difference quotients.
        let attrs: [String: Attribute] = ["axis": .int(-1), "stash_type": .int(11)]
        for index in 0..<3 {
            try check("LayerNormalization", [x, r([4], 51), r([4], 52)], attrs, opset: 17, outputs: 3, index: index)
        }
        try GradCheck.check("LayerNormalization", [x, r([3, 4], 53), r([4], 54)], ["axis": .int(1)])
        // Scale broadcast along the normalized axes, no bias.
        try GradCheck.check("LayerNormalization", [r([3, 2, 3], 55), r([1, 3], 56)], ["axis": .int(1)])
    }

    func testLRN() throws {
        try GradCheck.check("LRN", [r([2, 5, 2, 3], 60)], ["size": .int(3), "alpha": .float(0.1), "beta": .float(0.75), "bias": .float(1.5)])
        try GradCheck.check("LRN", [r([1, 4, 3], 61)], ["size": .int(2), "alpha": .float(0.3), "beta": .float(0.5)])
    }
}
