import XCTest
@testable import Runtime

/// Pooling gradients against central finite differences in float64: MaxPool to the selected
/// elements (pads, ceil_mode, dilations, 1-D/3-D), AveragePool with count_include_pad both
/// ways, LpPool for p = 1, 2 and other p, the global pools, MaxUnpool.
final class PoolVJPTests: XCTestCase {
    private func r(_ shape: [Int], _ seed: UInt64) -> Tensor { GradCheck.random(shape, seed: seed) }

    func testMaxPoolPadsStridesCeilModeDilations() throws {
        try GradCheck.check("MaxPool", [r([2, 2, 5, 5], 1)], ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])])
        try GradCheck.check("MaxPool", [r([1, 2, 6, 5], 2)], ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2]), "ceil_mode": .int(1)])
        try GradCheck.check("MaxPool", [r([1, 2, 7, 7], 3)], ["kernel_shape": .ints([2, 3]), "dilations": .ints([2, 2]), "pads": .ints([1, 0, 0, 1])])
        try GradCheck.check("MaxPool", [r([1, 2, 6, 6], 4)], ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "auto_pad": .string("SAME_UPPER")])
    }

    func testMaxPool1D3DAndIndicesOutput() throws {
        try GradCheck.check("MaxPool", [r([2, 3, 8], 5)], ["kernel_shape": .ints([3]), "strides": .ints([2]), "pads": .ints([1, 1])])
        try GradCheck.check("MaxPool", [r([1, 2, 4, 4, 5], 6)], ["kernel_shape": .ints([2, 2, 3]), "strides": .ints([2, 2, 2])])
        try GradCheck.check("MaxPool", [r([1, 2, 5, 5], 7)], ["kernel_shape": .ints([2, 2])], outputs: 2)
    }

    /// Overlapping windows: an element selected by several windows collects all their gradients.
    func testMaxPoolOverlappingWindowsAccumulate() throws {
        let g = Graph(nodes: [Node(opType: "MaxPool", inputs: ["x"], outputs: ["y"],
                                   attributes: ["kernel_shape": .ints([2]), "strides": .ints([1])])],
                      inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.fixed(1), .fixed(1), .fixed(4)])],
                      outputs: [ValueInfo(name: "y", dtype: .float32, shape: nil)])
        let s = try Session(model: Model(graph: g), backend: .reference)
        let x = Tensor(shape: [1, 1, 4], floats: [1, 5, 2, 0])
        // Windows [1,5] [5,2] [2,0] pick 5, 5, 2.
        let dy = Tensor(shape: [1, 1, 3], floats: [1, 10, 100])
        XCTAssertEqual(try s.gradients(["x": x], of: "y", wrt: ["x"], cotangent: dy).gradients["x"]!.floats, [0, 11, 100, 0])
    }

    func testAveragePoolCountIncludePadBothWays() throws {
        for include in [0, 1] {
            try GradCheck.check("AveragePool", [r([2, 2, 5, 5], 10)],
                                ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1]),
                                 "count_include_pad": .int(include)])
            try GradCheck.check("AveragePool", [r([1, 2, 4, 7], 11)],
                                ["kernel_shape": .ints([2, 3]), "strides": .ints([1, 2]), "pads": .ints([0, 1, 1, 0]),
                                 "count_include_pad": .int(include)])
        }
        try GradCheck.check("AveragePool", [r([1, 2, 6, 5], 12)], ["kernel_shape": .ints([3, 2]), "strides": .ints([2, 2]), "ceil_mode": .int(1)])
        try GradCheck.check("AveragePool", [r([1, 2, 9], 13)], ["kernel_shape": .ints([3]), "dilations": .ints([2]), "pads": .ints([2, 1])])
        try GradCheck.check("AveragePool", [r([1, 1, 4, 3, 4], 14)], ["kernel_shape": .ints([2, 2, 2]), "auto_pad": .string("SAME_LOWER")])
    }

    func testLpPoolP1P2AndGeneralP() throws {
        for p in [1, 2, 3] {
            try GradCheck.check("LpPool", [r([2, 2, 5, 5], 30)],
                                ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1]), "p": .int(p)])
            try GradCheck.check("LpPool", [r([1, 2, 7, 6], 31)],
                                ["kernel_shape": .ints([2, 3]), "dilations": .ints([2, 1]), "pads": .ints([0, 1, 1, 0]), "p": .int(p)],
                                opset: 18)
        }
        // Opset 1's float p; 1-D with ceil_mode; 3-D with auto_pad.
        try GradCheck.check("LpPool", [r([1, 2, 4, 4], 32)], ["kernel_shape": .ints([2, 2]), "p": .float(1.5)], opset: 1)
        try GradCheck.check("LpPool", [r([2, 3, 8], 33)], ["kernel_shape": .ints([3]), "strides": .ints([2]), "ceil_mode": .int(1)], opset: 18)
        try GradCheck.check("LpPool", [r([1, 1, 3, 4, 4], 34)], ["kernel_shape": .ints([2, 2, 2]), "auto_pad": .string("SAME_UPPER"), "p": .int(2)])
    }

    /// A window of zeros has norm 0: its gradient is 0 (the forward is not differentiable there).
    func testLpPoolZeroWindowGetsZeroGradient() throws {
        let g = Graph(nodes: [Node(opType: "LpPool", inputs: ["x"], outputs: ["y"], attributes: ["kernel_shape": .ints([2]), "strides": .ints([2])])],
                      inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.fixed(1), .fixed(1), .fixed(4)])],
                      outputs: [ValueInfo(name: "y", dtype: .float32, shape: nil)])
        let s = try Session(model: Model(graph: g), backend: .reference)
        // Windows [0, 0] and [3, 4] (norm 5): d/dx = x / 5.
        let dx = try s.gradients(["x": Tensor(shape: [1, 1, 4], floats: [0, 0, 3, 4])], of: "y", wrt: ["x"]).gradients["x"]!
        XCTAssertEqual(dx.floats, [0, 0, 0.6, 0.8])
    }

    func testGlobalPools() throws {
        try GradCheck.check("GlobalAveragePool", [r([2, 3, 4, 5], 20)])
        try GradCheck.check("GlobalAveragePool", [r([2, 3, 4], 21)])
        try GradCheck.check("GlobalMaxPool", [r([2, 3, 4, 5], 22)])
        try GradCheck.check("GlobalMaxPool", [r([1, 2, 2, 3, 2], 23)])
        try GradCheck.check("GlobalLpPool", [r([2, 3, 4, 5], 24)])
        try GradCheck.check("GlobalLpPool", [r([2, 2, 3], 25)], ["p": .int(1)])
        try GradCheck.check("GlobalLpPool", [r([1, 2, 2, 2, 3], 26)], ["p": .int(3)])
    }

    /// Indices as MaxPool 2×2 stride 2 would give for a [1, 2, 4, 4] input: one position per window.
    private func unpoolIndices() -> Tensor {
        var idx: [Int64] = []
        for c in 0..<2 {
            for oh in 0..<2 {
                for ow in 0..<2 { idx.append(Int64(c * 16 + (oh * 2 + (ow + c) % 2) * 4 + ow * 2 + (oh + c) % 2)) }
            }
        }
        return Tensor(shape: [1, 2, 2, 2], values: idx)
    }

    func testMaxUnpoolGathersAtIndices() throws {
        let attrs: [String: Attribute] = ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])]
        try GradCheck.check("MaxUnpool", [r([1, 2, 2, 2], 40), unpoolIndices()], attrs, opset: 11)
        // A larger output_shape: the inferred [4, 4] planes sit in the corner of [5, 6].
        try GradCheck.check("MaxUnpool", [r([1, 2, 2, 2], 41), unpoolIndices(), Tensor(shape: [4], values: [Int64(1), 2, 5, 6])], attrs, opset: 11)
    }

    /// Two inputs at one index: the later one is written (forward) and gets the gradient.
    func testMaxUnpoolRepeatedIndexGradientGoesToTheWrittenValue() throws {
        let g = Graph(nodes: [Node(opType: "MaxUnpool", inputs: ["x", "i"], outputs: ["y"], attributes: ["kernel_shape": .ints([2])])],
                      inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.fixed(1), .fixed(1), .fixed(3)]),
                               ValueInfo(name: "i", dtype: .int64, shape: [.fixed(1), .fixed(1), .fixed(3)])],
                      outputs: [ValueInfo(name: "y", dtype: .float32, shape: nil)])
        let s = try Session(model: Model(graph: g, opsetImports: ["": 11]), backend: .reference)
        let feeds = ["x": Tensor(shape: [1, 1, 3], floats: [1, 2, 3]), "i": Tensor(shape: [1, 1, 3], values: [Int64(1), 1, 3])]
        // Output length (3 − 1)·1 + 2 = 4: y = [0, 2, 0, 3].
        let dy = Tensor(shape: [1, 1, 4], floats: [10, 20, 30, 40])
        let dx = try s.gradients(feeds, of: "y", wrt: ["x"], cotangent: dy).gradients["x"]!
        XCTAssertEqual(dx.floats, [0, 20, 40])
    }
}
