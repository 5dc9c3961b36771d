import XCTest
@testable import Runtime

private typealias H = ReferenceOpHarness

private func axis(_ a: Int) -> Tensor { Tensor(shape: [], values: [Int32(a)]) }

final class CumulativeOpsTests: XCTestCase {
    private let x = Tensor(shape: [5], dtype: .float64, doubles: [1, 2, 3, 4, 5])

    func testDirections() throws {
        H.assertTensor(try H.run("CumSum", [x, axis(0)]), .float64, [5], [1, 3, 6, 10, 15])
        H.assertTensor(try H.run("CumSum", [x, axis(0)], ["exclusive": .int(1)]), .float64, [5], [0, 1, 3, 6, 10])
        H.assertTensor(try H.run("CumSum", [x, axis(0)], ["reverse": .int(1)]), .float64, [5], [15, 14, 12, 9, 5])
        H.assertTensor(try H.run("CumSum", [x, axis(0)], ["reverse": .int(1), "exclusive": .int(1)]), .float64, [5], [14, 12, 9, 5, 0])
    }

    func testAxes() throws {
        let m = Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6])
        H.assertTensor(try H.run("CumSum", [m, axis(0)]), .float32, [2, 3], [1, 2, 3, 5, 7, 9])
        H.assertTensor(try H.run("CumSum", [m, axis(1)]), .float32, [2, 3], [1, 3, 6, 4, 9, 15])
        H.assertTensor(try H.run("CumSum", [m, Tensor(shape: [1], int64s: [-1])]), .float32, [2, 3], [1, 3, 6, 4, 9, 15])
        let cube = Tensor(shape: [2, 2, 2], floats: [1, 2, 3, 4, 5, 6, 7, 8])
        H.assertTensor(try H.run("CumSum", [cube, axis(1)], ["reverse": .int(1), "exclusive": .int(1)]),
                       .float32, [2, 2, 2], [3, 4, 0, 0, 7, 8, 0, 0])
    }

    func testIntegerAndHalfTypes() throws {
        // Integer sums wrap like the other integer kernels.
        let ints = Tensor(shape: [2], values: [Int32.max, 1])
        H.assertTensor(try H.run("CumSum", [ints, axis(0)]), .int32, [2], [Double(Int32.max), Double(Int32.min)])
        H.assertTensor(try H.run("CumSum", [Tensor(shape: [3], int64s: [5, -2, 7]), axis(0)]), .int64, [3], [5, 3, 10])
        H.assertTensor(try H.run("CumSum", [Tensor(shape: [3], dtype: .bfloat16, doubles: [1, 2, 3]), axis(0)]), .bfloat16, [3], [1, 3, 6])
    }

    func testErrors() {
        H.assertRuntimeError(.invalidArgument) { try H.run("CumSum", [self.x, axis(1)]) }
        H.assertRuntimeError(.invalidArgument) { try H.run("CumSum", [self.x, Tensor(shape: [2], int64s: [0, 0])]) }
        H.assertRuntimeError(.unsupportedDType) { try H.run("CumSum", [self.x, Tensor(scalar: 0)]) }
    }
}
