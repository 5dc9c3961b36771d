import XCTest
@testable import Runtime

private typealias H = ReferenceOpHarness

private func f32(_ shape: [Int], _ v: [Float]) -> Tensor { Tensor(shape: shape, floats: v) }
private func k(_ v: Int) -> Tensor { Tensor(shape: [1], int64s: [Int64(v)]) }

final class SortOpsTests: XCTestCase {
    private func topK(_ x: Tensor, _ kk: Int, _ attributes: [String: Attribute] = [:]) throws -> (Tensor, Tensor) {
        let outs = try NumericOpsHarness.run("TopK", [x, k(kk)], attributes, outputs: 2)
        return (outs[0], outs[1])
    }

    func testTopKTiesGoToTheLowerIndex() throws {
        let x = f32([1, 4], [3, 1, 3, 2])
        var (v, i) = try topK(x, 2)
        H.assertTensor(v, .float32, [1, 2], [3, 3])
        H.assertTensor(i, .int64, [1, 2], [0, 2])
        (v, i) = try topK(x, 3, ["largest": .int(0)])
        H.assertTensor(v, .float32, [1, 3], [1, 2, 3])
        H.assertTensor(i, .int64, [1, 3], [1, 3, 0])
    }

    func testTopKAlongALeadingAxis() throws {
        let x = f32([3, 2], [1, 5, 4, 2, 3, 3])
        let (v, i) = try topK(x, 2, ["axis": .int(0)])
        H.assertTensor(v, .float32, [2, 2], [4, 5, 3, 3])
        H.assertTensor(i, .int64, [2, 2], [1, 0, 2, 2])
    }

    func testTopKTypesAndNaN() throws {
        // NaN ranks above every number.
        var (v, i) = try topK(f32([3], [1, .nan, 2]), 2)
        H.assertTensor(v, .float32, [2], [.nan, 2])
        H.assertTensor(i, .int64, [2], [1, 2])
        (v, i) = try topK(Tensor(shape: [4], int64s: [7, -3, 9, 0]), 2, ["largest": .int(0)])
        H.assertTensor(v, .int64, [2], [-3, 0])
        H.assertTensor(i, .int64, [2], [1, 3])
        (v, _) = try topK(Tensor(shape: [3], dtype: .bfloat16, doubles: [1, 3, 2]), 1)
        H.assertTensor(v, .bfloat16, [1], [3])
        (v, _) = try topK(f32([3], [1, 3, 2]), 0)
        H.assertTensor(v, .float32, [0], [])
        // Before opset 10, k is an attribute.
        let old = try NumericOpsHarness.run("TopK", [f32([3], [1, 3, 2])], ["k": .int(1)], outputs: 2, opset: 9)
        H.assertTensor(old[1], .int64, [1], [1])
    }

    func testTopKErrors() {
        H.assertRuntimeError(.invalidArgument) { try self.topK(f32([3], [1, 2, 3]), 4) }
        H.assertRuntimeError(.invalidArgument) { try self.topK(f32([3], [1, 2, 3]), -1) }
        H.assertRuntimeError(.invalidArgument) { try self.topK(f32([3], [1, 2, 3]), 1, ["axis": .int(1)]) }
    }

    private func unique(_ x: Tensor, _ attributes: [String: Attribute] = [:]) throws -> [Tensor] {
        try NumericOpsHarness.run("Unique", [x], attributes, outputs: 4)
    }

    func testUniqueFlattened() throws {
        // The ONNX operator documentation's example.
        let x = f32([6], [2, 1, 1, 3, 4, 3])
        var outs = try unique(x)
        H.assertTensor(outs[0], .float32, [4], [1, 2, 3, 4])
        H.assertTensor(outs[1], .int64, [4], [1, 0, 3, 4])
        H.assertTensor(outs[2], .int64, [6], [1, 0, 0, 2, 3, 2])
        H.assertTensor(outs[3], .int64, [4], [2, 1, 2, 1])
        outs = try unique(x, ["sorted": .int(0)])
        H.assertTensor(outs[0], .float32, [4], [2, 1, 3, 4])
        H.assertTensor(outs[1], .int64, [4], [0, 1, 3, 4])
        H.assertTensor(outs[2], .int64, [6], [0, 1, 1, 2, 3, 2])
        H.assertTensor(outs[3], .int64, [4], [1, 2, 2, 1])
        // A matrix without an axis is flattened.
        outs = try unique(Tensor(shape: [2, 2], values: [true, false, true, true]))
        H.assertTensor(outs[0], .bool, [2], [0, 1])
        H.assertTensor(outs[3], .int64, [2], [1, 3])
    }

    func testUniqueSlices() throws {
        let x = f32([3, 3], [1, 0, 0, 1, 0, 0, 2, 3, 4])
        var outs = try unique(x, ["axis": .int(0)])
        H.assertTensor(outs[0], .float32, [2, 3], [1, 0, 0, 2, 3, 4])
        H.assertTensor(outs[1], .int64, [2], [0, 2])
        H.assertTensor(outs[2], .int64, [3], [0, 0, 1])
        H.assertTensor(outs[3], .int64, [2], [2, 1])
        // Columns (1, 1, 2), (0, 0, 3), (0, 0, 4) sort lexicographically as columns 1, 2, 0.
        outs = try unique(x, ["axis": .int(-1)])
        H.assertTensor(outs[0], .float32, [3, 3], [0, 0, 1, 0, 0, 1, 3, 4, 2])
        H.assertTensor(outs[1], .int64, [3], [1, 2, 0])
        H.assertTensor(outs[2], .int64, [3], [2, 0, 1])
        H.assertTensor(outs[3], .int64, [3], [1, 1, 1])
    }

    func testUniqueErrors() {
        H.assertRuntimeError(.invalidArgument) { try self.unique(f32([2], [1, 2]), ["axis": .int(1)]) }
    }
}
