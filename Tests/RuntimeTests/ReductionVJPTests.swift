import XCTest
@testable import Runtime

private typealias G = GradCheck

private func axes(_ a: [Int64]) -> Tensor { Tensor(shape: [a.count], int64s: a) }

/// Reduce* gradients for every axes/keepdims form: attribute (before opset 13 for
/// ReduceSum, 18 for the others), input, none (all axes) and noop_with_empty_axes.
final class ReductionVJPTests: XCTestCase {
    let x = G.random([2, 3, 4], seed: 31)
    let axisSets: [[Int64]] = [[1], [0, 2], [-1], [0, 1, 2]]

    func check(_ op: String, _ x: Tensor, file: StaticString = #filePath, line: UInt = #line) throws {
        let inputOpset = op == "ReduceSum" ? 13 : 18
        for keep in [0, 1] {
            let k: [String: Attribute] = ["keepdims": .int(keep)]
            // No axes: all of them.
            try G.check(op, [x], k, opset: inputOpset, file: file, line: line)
            for a in axisSets {
                try G.check(op, [x, axes(a)], k, opset: inputOpset, file: file, line: line)
                try G.check(op, [x], k.merging(["axes": .ints(a.map(Int.init))]) { $1 }, opset: 11, file: file, line: line)
            }
        }
        // Empty axes with noop_with_empty_axes: the identity.
        try G.check(op, [x, axes([])], ["noop_with_empty_axes": .int(1)], opset: inputOpset, file: file, line: line)
    }

    func testSumMeanSumSquareL2() throws {
        for op in ["ReduceSum", "ReduceMean", "ReduceSumSquare", "ReduceL2"] { try check(op, x) }
    }

    func testMaxMinGoToTheExtremum() throws {
        for op in ["ReduceMax", "ReduceMin"] { try check(op, x) }
    }

    func testOtherReductions() throws {
        try check("ReduceL1", x)
        try check("ReduceLogSumExp", x)
        try check("ReduceLogSum", G.random([2, 3, 4], seed: 32, scale: 0.2, offset: 1))
        try check("ReduceProd", G.random([2, 3, 4], seed: 33, scale: 0.3, offset: 1))
        // Products with one and two zeros in a group (linear in each element, so exact).
        var v = G.random([2, 3, 4], seed: 34).doubles
        v[0] = 0; v[5] = 0; v[6] = 0
        try G.check("ReduceProd", [Tensor(shape: [2, 3, 4], dtype: .float64, doubles: v), axes([1])], opset: 18)
        try G.check("ReduceProd", [Tensor(shape: [2, 3, 4], dtype: .float64, doubles: v), axes([2])], opset: 18)
    }

    /// Ties: the first maximum in each group takes the whole gradient.
    func testReduceMaxTieGoesToTheFirst() throws {
        let g = Graph(nodes: [Node(opType: "ReduceMax", inputs: ["x"], outputs: ["y"], attributes: ["axes": .ints([1])])],
                      inputs: [ValueInfo(name: "x", dtype: .float64, shape: [.fixed(2), .fixed(3)])],
                      outputs: [ValueInfo(name: "y", dtype: nil, shape: nil)])
        let s = try Session(model: Model(graph: g, opsetImports: ["": 13]), backend: .reference)
        let x = Tensor(shape: [2, 3], dtype: .float64, doubles: [1, 4, 4, 7, 2, 7])
        XCTAssertEqual(try s.gradients(["x": x], of: "y", wrt: ["x"]).gradients["x"]!.doubles, [0, 1, 0, 1, 0, 0])
    }

    func testFloat32() throws {
        let x32 = G.random([3, 5], seed: 35, dtype: .float32)
        try G.check("ReduceMean", [x32, axes([0])], opset: 18)
        try G.check("ReduceSumSquare", [x32], ["keepdims": .int(0)], opset: 18)
    }
}
