import XCTest
@testable import Runtime

/// Pooling gradients against central finite differences in float64: MaxPool to the selected
/// elements (pads, ceil_mode, dilations, 1-D/3-D), AveragePool with count_include_pad both
/// ways, the global pools.
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

    func testGlobalPools() throws {
        try GradCheck.check("GlobalAveragePool", [r([2, 3, 4, 5], 20)])
        try GradCheck.check("GlobalAveragePool", [r([2, 3, 4], 21)])
        try GradCheck.check("GlobalMaxPool", [r([2, 3, 4, 5], 22)])
        try GradCheck.check("GlobalMaxPool", [r([1, 2, 2, 3, 2], 23)])
    }
}
