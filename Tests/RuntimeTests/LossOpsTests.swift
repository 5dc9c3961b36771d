import XCTest
@testable import Runtime

private typealias H = ReferenceOpHarness

private func f32(_ shape: [Int], _ v: [Float]) -> Tensor { Tensor(shape: shape, floats: v) }
private func i64(_ shape: [Int], _ v: [Int64]) -> Tensor { Tensor(shape: shape, int64s: v) }

final class LossOpsTests: XCTestCase {
    // Scores [[-1, -2, -3], [-4, -5, -6]], targets [2, 0], weights [0.5, 1, 2]:
    // loss = [-w[2]·x[0, 2], -w[0]·x[1, 0]] = [6, 2].
    private let scores = f32([2, 3], [-1, -2, -3, -4, -5, -6])
    private let target = i64([2], [2, 0])
    private let weight = f32([3], [0.5, 1, 2])

    func testNegativeLogLikelihoodReductions() throws {
        let nll = "NegativeLogLikelihoodLoss"
        H.assertTensor(try H.run(nll, [scores, target, weight], ["reduction": .string("none")]), .float32, [2], [6, 2])
        H.assertTensor(try H.run(nll, [scores, target, weight], ["reduction": .string("sum")]), .float32, [], [8])
        // mean divides by the weights of the targets: 8 / (2 + 0.5).
        H.assertTensor(try H.run(nll, [scores, target, weight]), .float32, [], [3.2])
        // Without weights: (3 + 4) / 2.
        H.assertTensor(try H.run(nll, [scores, target]), .float32, [], [3.5])
    }

    func testNegativeLogLikelihoodIgnoreIndex() throws {
        let nll = "NegativeLogLikelihoodLoss"
        let ignore: [String: Attribute] = ["ignore_index": .int(0), "reduction": .string("none")]
        H.assertTensor(try H.run(nll, [scores, target, weight], ignore), .float32, [2], [6, 0])
        // The ignored target adds neither loss nor weight: 6 / 2.
        H.assertTensor(try H.run(nll, [scores, target, weight], ["ignore_index": .int(0)]), .float32, [], [3])
        H.assertTensor(try H.run(nll, [scores, target], ["ignore_index": .int(0)]), .float32, [], [3])
        // An ignore_index outside the class range may appear as a target.
        H.assertTensor(try H.run(nll, [scores, i64([2], [-7, 1])], ["ignore_index": .int(-7), "reduction": .string("sum")]),
                       .float32, [], [5])
    }

    func testNegativeLogLikelihoodSpatial() throws {
        // x[0, c, d] = [[1, 2], [3, 4]]; targets [1, 0] pick x[0, 1, 0] = 3 and x[0, 0, 1] = 2.
        let x = f32([1, 2, 2], [1, 2, 3, 4])
        H.assertTensor(try H.run("NegativeLogLikelihoodLoss", [x, i64([1, 2], [1, 0])], ["reduction": .string("none")]),
                       .float32, [1, 2], [-3, -2])
        let x4 = Tensor(shape: [1, 2, 1, 2], dtype: .float64, doubles: [1, 2, 3, 4])
        H.assertTensor(try H.run("NegativeLogLikelihoodLoss", [x4, Tensor(shape: [1, 1, 2], values: [1, 0] as [Int32])],
                                 ["reduction": .string("sum")]), .float64, [], [-5])
    }

    func testSoftmaxCrossEntropy() throws {
        // log_softmax([1, 2, 3]) = x − (3 + ln(1 + e⁻¹ + e⁻²)) = x − 3.40760596444438;
        // log_softmax([0, 0, 0]) = −ln 3.
        let x = f32([2, 3], [1, 2, 3, 0, 0, 0])
        let outs = try NumericOpsHarness.run("SoftmaxCrossEntropyLoss", [x, i64([2], [2, 1])], ["reduction": .string("sum")], outputs: 2)
        H.assertTensor(outs[0], .float32, [], [0.40760596444438 + 1.0986122886681098])
        H.assertTensor(outs[1], .float32, [2, 3],
                       [-2.40760596444438, -1.40760596444438, -0.40760596444438, -1.0986122886681098, -1.0986122886681098, -1.0986122886681098])
        H.assertTensor(try H.run("SoftmaxCrossEntropyLoss", [x, i64([2], [2, 1])], ["ignore_index": .int(1)]),
                       .float32, [], [0.40760596444438])
        // Weighted mean: (2·0.4076 + 0.5·1.0986) / (2 + 0.5).
        H.assertTensor(try H.run("SoftmaxCrossEntropyLoss", [x, i64([2], [2, 0]), weight]), .float32, [],
                       [(2 * 0.40760596444438 + 0.5 * 1.0986122886681098) / 2.5])
    }

    func testSoftmaxCrossEntropyOverSpatialAxis() throws {
        // [N=1, C=2, D=2]: the softmax runs over C for each d. Column 0 is (0, ln 3): log
        // probabilities −ln 4 and ln 3 − ln 4; column 1 is (5, 5): −ln 2 each.
        let x = f32([1, 2, 2], [0, 5, Float(log(3.0)), 5])
        let outs = try NumericOpsHarness.run("SoftmaxCrossEntropyLoss", [x, i64([1, 2], [1, 0])], ["reduction": .string("none")], outputs: 2)
        H.assertTensor(outs[0], .float32, [1, 2], [log(4.0) - log(3.0), log(2.0)])
        H.assertTensor(outs[1], .float32, [1, 2, 2], [-log(4.0), -log(2.0), log(3.0) - log(4.0), -log(2.0)])
    }

    func testHalfPrecisionScores() throws {
        let x = Tensor(shape: [2, 3], dtype: .float16, doubles: [-1, -2, -3, -4, -5, -6])
        H.assertTensor(try H.run("NegativeLogLikelihoodLoss", [x, target]), .float16, [], [3.5])
    }

    func testErrors() {
        H.assertRuntimeError(.invalidArgument) { try H.run("NegativeLogLikelihoodLoss", [self.scores, i64([2], [3, 0])]) }
        H.assertRuntimeError(.invalidArgument) { try H.run("NegativeLogLikelihoodLoss", [self.scores, i64([2], [-1, 0])]) }
        H.assertRuntimeError(.invalidArgument) { try H.run("NegativeLogLikelihoodLoss", [self.scores, i64([3], [0, 0, 0])]) }
        H.assertRuntimeError(.invalidArgument) {
            try H.run("NegativeLogLikelihoodLoss", [self.scores, self.target], ["reduction": .string("max")])
        }
        H.assertRuntimeError(.invalidArgument) { try H.run("SoftmaxCrossEntropyLoss", [self.scores, self.target, f32([2], [1, 1])]) }
        H.assertRuntimeError(.unsupportedDType) { try H.run("SoftmaxCrossEntropyLoss", [self.scores, f32([2], [0, 1])]) }
        H.assertRuntimeError(.unsupportedDType) { try H.run("SoftmaxCrossEntropyLoss", [i64([2, 3], [1, 2, 3, 4, 5, 6]), self.target]) }
    }
}
