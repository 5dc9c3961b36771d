import XCTest
@testable import Runtime

/// BatchNormalization (inference mode; training mode with the gradient through the batch
/// statistics and the running/saved statistics outputs), InstanceNormalization,
/// LayerNormalization (all three outputs), GroupNormalization (opset 18 per-group and opset 21
/// per-channel parameters), MeanVarianceNormalization and LRN against central finite
/// differences in float64.
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

    /// Opset 18: one scale and bias per group.
    func testGroupNormOpset18PerGroupParameters() throws {
        try GradCheck.check("GroupNormalization", [r([2, 6, 3, 2], 46, offset: 1), r([3], 47), r([3], 48)],
                            ["num_groups": .int(3), "epsilon": .float(1e-3)], opset: 18)
        // One group over every channel (layer-norm like), a 1-D spatial extent.
        try GradCheck.check("GroupNormalization", [r([3, 4, 5], 49), r([1], 70), r([1], 71)], ["num_groups": .int(1)], opset: 18)
    }

    /// Opset 21: one scale and bias per channel, shared statistics within each group.
    func testGroupNormOpset21PerChannelParameters() throws {
        try GradCheck.check("GroupNormalization", [r([2, 6, 2, 3], 72, scale: 2), r([6], 73), r([6], 74)],
                            ["num_groups": .int(2), "epsilon": .float(1e-2)], opset: 21)
        // As many groups as channels (instance-norm like), no spatial axes.
        try GradCheck.check("GroupNormalization", [r([4, 3], 75), r([3], 76), r([3], 77)], ["num_groups": .int(3)], opset: 21)
    }

    func testMeanVarianceNormalization() throws {
        // Default axes [0, 2, 3]: one group per channel.
        try GradCheck.check("MeanVarianceNormalization", [r([2, 3, 2, 3], 78, offset: 1)], [:], opset: 13)
        // Non-contiguous axes, negative axis.
        try GradCheck.check("MeanVarianceNormalization", [r([3, 2, 4], 79)], ["axes": .ints([0, -1])], opset: 13)
        try GradCheck.check("MeanVarianceNormalization", [r([2, 5], 80)], ["axes": .ints([1])], opset: 9)
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
