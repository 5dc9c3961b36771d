import XCTest
@testable import Runtime

private typealias H = ReferenceOpHarness

private func f32(_ shape: [Int], _ v: [Float]) -> Tensor { Tensor(shape: shape, floats: v) }
private func einsum(_ equation: String, _ inputs: Tensor...) throws -> Tensor {
    try H.run("Einsum", inputs, ["equation": .string(equation)], opset: 12)
}

final class EinsumOpsTests: XCTestCase {
    private let a = f32([2, 2], [1, 2, 3, 4])
    private let b = f32([2, 2], [5, 6, 7, 8])

    func testMatrixProducts() throws {
        H.assertTensor(try einsum("ij,jk->ik", a, b), .float32, [2, 2], [19, 22, 43, 50])
        // Implicit output: the labels used once, alphabetically.
        H.assertTensor(try einsum("ij,jk", a, b), .float32, [2, 2], [19, 22, 43, 50])
        H.assertTensor(try einsum("ij,jk->ki", a, b), .float32, [2, 2], [19, 43, 22, 50])
        H.assertTensor(try einsum("ij, ij -> ", a, b), .float32, [], [70])
        H.assertTensor(try einsum("i,j->ij", f32([2], [1, 2]), f32([3], [3, 4, 5])), .float32, [2, 3], [3, 4, 5, 6, 8, 10])
        // Three operands: (a · b) · a = [[19 + 66, 38 + 88], [43 + 150, 86 + 200]].
        H.assertTensor(try einsum("ij,jk,kl->il", a, b, a), .float32, [2, 2], [85, 126, 193, 286])
    }

    func testSingleOperand() throws {
        H.assertTensor(try einsum("ij->ji", a), .float32, [2, 2], [1, 3, 2, 4])
        H.assertTensor(try einsum("ij->i", a), .float32, [2], [3, 7])
        H.assertTensor(try einsum("ij->j", a), .float32, [2], [4, 6])
        H.assertTensor(try einsum("ii->i", a), .float32, [2], [1, 4])
        H.assertTensor(try einsum("ii", a), .float32, [], [5])
        // Uppercase letters order before lowercase ones in an implicit output (ASCII, like numpy).
        H.assertTensor(try einsum("aB", f32([2, 3], [1, 2, 3, 4, 5, 6])), .float32, [3, 2], [1, 4, 2, 5, 3, 6])
    }

    func testEllipsisBroadcasting() throws {
        // Batch [2] against an unbatched right operand: a₀·b and a₁·b with a₁ = 2·a₀.
        let batched = f32([2, 2, 2], [1, 2, 3, 4, 2, 4, 6, 8])
        H.assertTensor(try einsum("...ij,...jk->...ik", batched, b), .float32, [2, 2, 2], [19, 22, 43, 50, 38, 44, 86, 100])
        // A size-1 batch axis broadcasts against 2; implicit output puts the ellipsis first.
        H.assertTensor(try einsum("...ij,...jk", f32([1, 2, 2], [1, 2, 3, 4]), f32([2, 2, 2], [5, 6, 7, 8, 1, 0, 0, 1])),
                       .float32, [2, 2, 2], [19, 22, 43, 50, 1, 2, 3, 4])
        H.assertTensor(try einsum("...ii->...i", batched), .float32, [2, 2], [1, 4, 2, 8])
    }

    func testOtherElementTypes() throws {
        let ia = Tensor(shape: [2, 2], int64s: [1, 2, 3, 4]), ib = Tensor(shape: [2, 2], int64s: [5, 6, 7, 8])
        H.assertTensor(try einsum("ij,jk->ik", ia, ib), .int64, [2, 2], [19, 22, 43, 50])
        H.assertTensor(try einsum("ij->", Tensor(shape: [2, 2], values: [1, 2, 3, 4] as [Int32])), .int32, [], [10])
        let d = Tensor(shape: [2, 2], dtype: .float64, doubles: [1, 2, 3, 4])
        H.assertTensor(try einsum("ij,ji->", d, d), .float64, [], [29])
        let h = Tensor(shape: [2, 2], dtype: .float16, doubles: [1, 2, 3, 4])
        H.assertTensor(try einsum("ij,jk->ik", h, h), .float16, [2, 2], [7, 10, 15, 22])
    }

    func testEmptyAxes() throws {
        H.assertTensor(try einsum("ij,jk->ik", f32([2, 0], []), f32([0, 3], [])), .float32, [2, 3], [0, 0, 0, 0, 0, 0])
    }

    func testInvalidEquations() {
        H.assertRuntimeError(.invalidArgument) { try einsum("ij,jk->ik", self.a) }
        H.assertRuntimeError(.invalidArgument) { try einsum("ijk->i", self.a) }
        H.assertRuntimeError(.invalidArgument) { try einsum("ij->k", self.a) }
        H.assertRuntimeError(.invalidArgument) { try einsum("ij->ii", self.a) }
        H.assertRuntimeError(.invalidArgument) { try einsum("i1->i", self.a) }
        H.assertRuntimeError(.invalidArgument) { try einsum("i..j->i", self.a) }
        H.assertRuntimeError(.invalidArgument) { try einsum("ij,jk->ik", self.a, f32([3, 2], [1, 2, 3, 4, 5, 6])) }
        H.assertRuntimeError(.invalidArgument) { try einsum("ii->i", f32([2, 3], [1, 2, 3, 4, 5, 6])) }
        H.assertRuntimeError(.unsupportedDType) { try einsum("ij,jk", self.a, Tensor(shape: [2, 2], int64s: [1, 2, 3, 4])) }
    }
}
