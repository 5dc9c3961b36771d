import XCTest
@testable import Runtime

private typealias G = GradCheck

private func ints(_ a: [Int64]) -> Tensor { Tensor(shape: [a.count], int64s: a) }

/// Gradients of the shape family: views, movements and broadcasts, per opset form.
final class ShapeVJPTests: XCTestCase {
    let x = G.random([2, 3, 4], seed: 41)

    func testViews() throws {
        try G.check("Reshape", [x, ints([4, -1])])
        try G.check("Reshape", [x, ints([0, 12])])
        for axis in [0, 1, 2, -1] { try G.check("Flatten", [x], ["axis": .int(axis)]) }
        let x1 = G.random([2, 1, 3, 1], seed: 42)
        try G.check("Squeeze", [x1])
        try G.check("Squeeze", [x1, ints([1])], opset: 13)
        try G.check("Squeeze", [x1], ["axes": .ints([-1])], opset: 11)
        try G.check("Unsqueeze", [x, ints([0, 4])], opset: 13)
        try G.check("Unsqueeze", [x], ["axes": .ints([1])], opset: 11)
        try G.check("Identity", [x])
    }

    func testDropoutInferenceIsTheIdentity() throws {
        try G.check("Dropout", [x], opset: 7, outputs: 2)
        try G.check("Dropout", [x, Tensor(shape: [], dtype: .float64, doubles: [0.3])], opset: 13, wrt: [0], outputs: 2)
    }

    func testTransposeConcatExpandTile() throws {
        try G.check("Transpose", [x])
        try G.check("Transpose", [x], ["perm": .ints([1, 2, 0])])
        try G.check("Concat", [x, G.random([2, 2, 4], seed: 43), G.random([2, 1, 4], seed: 44)], ["axis": .int(1)])
        try G.check("Concat", [x, G.random([2, 3, 1], seed: 45)], ["axis": .int(-1)])
        try G.check("Expand", [G.random([3, 1], seed: 46), ints([2, 3, 4])])
        try G.check("Expand", [G.random([2, 1, 4], seed: 47), ints([3, 1])])
        try G.check("Tile", [x, ints([2, 1, 3])])
        try G.check("Tile", [G.random([3], seed: 48), ints([4])])
    }

    func testDepthToSpaceAndSpaceToDepth() throws {
        let d = G.random([1, 8, 2, 3], seed: 49)
        try G.check("DepthToSpace", [d], ["blocksize": .int(2)])
        try G.check("DepthToSpace", [d], ["blocksize": .int(2), "mode": .string("CRD")])
        try G.check("SpaceToDepth", [G.random([2, 2, 4, 6], seed: 50)], ["blocksize": .int(2)])
    }

    /// Split's outputs feed a Concat in another order and one output is unused (zero gradient).
    func testSplitSizesAttributeInputAndNumOutputs() throws {
        let xs = G.random([6, 4], seed: 51)
        func graph(_ split: Node, extra: [ValueInfo] = []) -> Graph {
            Graph(nodes: [split, Node(opType: "Concat", inputs: ["c", "a"], outputs: ["y"], attributes: ["axis": .int(0)])],
                  inputs: [ValueInfo(name: "x", dtype: .float64, shape: [.fixed(6), .fixed(4)])] + extra,
                  outputs: [ValueInfo(name: "y", dtype: nil, shape: nil)])
        }
        try G.check(graph: graph(Node(opType: "Split", inputs: ["x"], outputs: ["a", "b", "c"], attributes: ["split": .ints([1, 2, 3])])),
                    opset: 11, feeds: ["x": xs], output: "y")
        try G.check(graph: graph(Node(opType: "Split", inputs: ["x", "s"], outputs: ["a", "b", "c"]),
                                 extra: [ValueInfo(name: "s", dtype: .int64, shape: [.fixed(3)])]),
                    opset: 13, feeds: ["x": xs, "s": ints([2, 1, 3])], output: "y")
        try G.check(graph: graph(Node(opType: "Split", inputs: ["x"], outputs: ["a", "b", "c"], attributes: ["num_outputs": .int(3), "axis": .int(0)])),
                    opset: 18, feeds: ["x": xs], output: "y")
    }

    func testShapeIsNotDifferentiable() throws {
        XCTAssertTrue(OpRegistry.standard.isNonDifferentiable(domain: "", type: "Shape"))
        XCTAssertNil(OpRegistry.standard.vjp(domain: "", type: "Shape"))
    }
}
