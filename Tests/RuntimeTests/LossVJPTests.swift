import XCTest
@testable import Runtime

private typealias G = GradCheck

/// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss score gradients for every reduction,
/// with class weights, ignore_index and extra dimensions.
final class LossVJPTests: XCTestCase {
    let scores = G.random([3, 4], seed: 101), scores3 = G.random([2, 3, 2], seed: 102)
    let target = Tensor(shape: [3], int64s: [1, 3, 0]), target3 = Tensor(shape: [2, 2], int64s: [2, 0, 1, 2])
    let weight = Tensor(shape: [4], dtype: .float64, doubles: [0.5, 1, 2, 1.5])

    func testEveryReductionWeightsAndIgnoredTargets() throws {
        for op in ["NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss"] {
            for reduction in ["none", "sum", "mean"] {
                let r: [String: Attribute] = ["reduction": .string(reduction)]
                try G.check(op, [scores, target], r, wrt: [0])
                try G.check(op, [scores, target, weight], r, wrt: [0])
                try G.check(op, [scores3, target3], r, wrt: [0])
                try G.check(op, [scores, target, weight], r.merging(["ignore_index": .int(3)]) { $1 }, wrt: [0])
            }
        }
    }

    /// A graph reading both of SoftmaxCrossEntropyLoss's outputs: loss + Σ log_prob.
    func testLogProbOutputGradient() throws {
        let g = Graph(nodes: [Node(opType: "SoftmaxCrossEntropyLoss", inputs: ["x", "t"], outputs: ["l", "lp"]),
                              Node(opType: "ReduceSum", inputs: ["lp"], outputs: ["s"], attributes: ["keepdims": .int(0)]),
                              Node(opType: "Add", inputs: ["l", "s"], outputs: ["y"])],
                      inputs: [ValueInfo(name: "x", dtype: .float64, shape: [.fixed(3), .fixed(4)]),
                               ValueInfo(name: "t", dtype: .int64, shape: [.fixed(3)])],
                      outputs: [ValueInfo(name: "y", dtype: nil, shape: nil)])
        try G.check(graph: g, feeds: ["x": scores, "t": target], output: "y", wrt: ["x"])
    }
}
