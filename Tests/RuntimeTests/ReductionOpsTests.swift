import XCTest
@testable import Runtime

private typealias H = ReferenceOpHarness

private func f32(_ shape: [Int], _ v: [Float]) -> Tensor { Tensor(shape: shape, floats: v) }
private func axes(_ a: [Int64]) -> Tensor { Tensor(shape: [a.count], int64s: a) }

final class ReductionOpsTests: XCTestCase {
    let x23 = f32([2, 3], [1, 2, 3, 4, 5, 6])

    func testReduceSumAxesInputAndKeepdims() throws {
        H.assertTensor(try H.run("ReduceSum", [x23, axes([1])], opset: 13), .float32, [2, 1], [6, 15])
        H.assertTensor(try H.run("ReduceSum", [x23, axes([-2])], ["keepdims": .int(0)], opset: 13), .float32, [3], [5, 7, 9])
        // No axes: everything.
        H.assertTensor(try H.run("ReduceSum", [x23], opset: 13), .float32, [1, 1], [21])
        H.assertTensor(try H.run("ReduceSum", [x23, axes([])], ["keepdims": .int(0)], opset: 13), .float32, [], [21])
        // ...unless noop_with_empty_axes asks for the identity.
        H.assertTensor(try H.run("ReduceSum", [x23, axes([])], ["noop_with_empty_axes": .int(1)], opset: 13),
                       .float32, [2, 3], [1, 2, 3, 4, 5, 6])
        // Before opset 13 the axes are an attribute.
        H.assertTensor(try H.run("ReduceSum", [x23], ["axes": .ints([0])], opset: 11), .float32, [1, 3], [5, 7, 9])
        H.assertRuntimeError(.invalidArgument) { try H.run("ReduceSum", [x23, axes([2])], opset: 13) }
    }

    func testReduceMeanAttributeAndInputForms() throws {
        H.assertTensor(try H.run("ReduceMean", [x23], ["axes": .ints([-1])], opset: 13), .float32, [2, 1], [2, 5])
        H.assertTensor(try H.run("ReduceMean", [x23, axes([0])], ["keepdims": .int(0)], opset: 18), .float32, [3], [2.5, 3.5, 4.5])
    }

    /// Axes 0 and 2 of [2, 3, 4] are not adjacent: x[i, j, k] = 12i + 4j + k summed over i, k
    /// is 32j + 60.
    func testNonAdjacentAxes() throws {
        let x = f32([2, 3, 4], (0..<24).map { Float($0) })
        H.assertTensor(try H.run("ReduceSum", [x, axes([0, 2])], opset: 13), .float32, [1, 3, 1], [60, 92, 124])
        H.assertTensor(try H.run("ReduceMax", [x], ["axes": .ints([0, 2]), "keepdims": .int(0)], opset: 13),
                       .float32, [3], [15, 19, 23])
    }

    func testOtherReductions() throws {
        let x = f32([2, 2], [1, 2, 3, 4]), signed = f32([2, 2], [-1, 2, 3, -4])
        let a: [String: Attribute] = ["axes": .ints([1]), "keepdims": .int(0)]
        H.assertTensor(try H.run("ReduceProd", [x], a, opset: 13), .float32, [2], [2, 12])
        H.assertTensor(try H.run("ReduceL1", [signed], a, opset: 13), .float32, [2], [3, 7])
        H.assertTensor(try H.run("ReduceL2", [signed], a, opset: 13), .float32, [2], [(5.0).squareRoot(), 5])
        H.assertTensor(try H.run("ReduceSumSquare", [signed], a, opset: 13), .float32, [2], [5, 25])
        H.assertTensor(try H.run("ReduceLogSum", [x], a, opset: 13), .float32, [2], [log(3.0), log(7.0)])
        // numpy: log(exp(1) + exp(2)), log(exp(3) + exp(4))
        H.assertTensor(try H.run("ReduceLogSumExp", [x], a, opset: 13), .float32, [2], [2.3132616875182226, 4.313261687518223])
        // No overflow: log(2 e^1000) = 1000 + ln 2.
        H.assertTensor(try H.run("ReduceLogSumExp", [f32([2], [1000, 1000])], ["keepdims": .int(0)], opset: 13),
                       .float32, [], [1000.6931471805599])
        H.assertTensor(try H.run("ReduceMin", [signed], a, opset: 13), .float32, [2], [-1, -4])
    }

    func testMaxMinIntegersAndNaN() throws {
        let i = Tensor(shape: [2, 2], values: [5, -7, 3, 9] as [Int32])
        H.assertTensor(try H.run("ReduceMax", [i], ["axes": .ints([0])], opset: 13), .int32, [1, 2], [5, 9])
        H.assertTensor(try H.run("ReduceMin", [i, axes([1])], opset: 18), .int32, [2, 1], [-7, 3])
        H.assertTensor(try H.run("ReduceMax", [f32([3], [1, .nan, 2])], opset: 13), .float32, [1], [.nan])
        let l = Tensor(shape: [3], int64s: [4, 5, 6])
        H.assertTensor(try H.run("ReduceSum", [l], opset: 13), .int64, [1], [15])
    }

    /// Reducing zero elements gives each reduction's identity.
    func testEmptyReductions() throws {
        let e = f32([2, 0], [])
        H.assertTensor(try H.run("ReduceSum", [e, axes([1])], opset: 13), .float32, [2, 1], [0, 0])
        H.assertTensor(try H.run("ReduceProd", [e, axes([1])], opset: 18), .float32, [2, 1], [1, 1])
        H.assertTensor(try H.run("ReduceMax", [e, axes([1])], opset: 18), .float32, [2, 1], [-.infinity, -.infinity])
        H.assertTensor(try H.run("ReduceSum", [e, axes([0])], opset: 13), .float32, [1, 0], [])
    }

    func testArgMaxArgMin() throws {
        let x = f32([2, 2], [2, 1, 3, 10])
        H.assertTensor(try H.run("ArgMax", [x]), .int64, [1, 2], [1, 1])
        H.assertTensor(try H.run("ArgMax", [x], ["axis": .int(1), "keepdims": .int(0)]), .int64, [2], [0, 1])
        H.assertTensor(try H.run("ArgMin", [x], ["axis": .int(-1)]), .int64, [2, 1], [1, 0])
        let ties = Tensor(shape: [2, 2], values: [2, 2, 1, 1] as [Int32])
        H.assertTensor(try H.run("ArgMax", [ties], ["axis": .int(1)]), .int64, [2, 1], [0, 0])
        H.assertTensor(try H.run("ArgMax", [ties], ["axis": .int(1), "select_last_index": .int(1)]), .int64, [2, 1], [1, 1])
        H.assertTensor(try H.run("ArgMin", [ties], ["axis": .int(1), "select_last_index": .int(1)]), .int64, [2, 1], [1, 1])
        // Along the middle axis of [2, 3, 2]: x[i, j, k] = (j == 2 - i) ? 9 : 0.
        let mid = f32([2, 3, 2], [0, 0, 0, 0, 9, 9, 0, 0, 9, 9, 0, 0])
        H.assertTensor(try H.run("ArgMax", [mid], ["axis": .int(1), "keepdims": .int(0)]), .int64, [2, 2], [2, 2, 1, 1])
        H.assertRuntimeError(.invalidArgument) { try H.run("ArgMax", [x], ["axis": .int(2)]) }
        H.assertRuntimeError(.invalidArgument) { try H.run("ArgMax", [f32([0], [])]) }
    }

    func testThroughSession() throws {
        H.assertTensor(try H.session("ReduceMean", [f32([2, 2], [1, 2, 3, 4])], ["axes": .ints([1])], opset: 13),
                       .float32, [2, 1], [1.5, 3.5])
    }
}
