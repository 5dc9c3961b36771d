import XCTest
@testable import Runtime

private typealias H = ReferenceOpHarness

private func mask(_ v: [Bool]) -> Tensor { Tensor(shape: [v.count], values: v) }

final class SelectionOpsTests: XCTestCase {
    private let x = Tensor(shape: [3, 2], floats: [1, 2, 3, 4, 5, 6])

    func testCompress() throws {
        H.assertTensor(try H.run("Compress", [x, mask([false, true, true])], ["axis": .int(0)]), .float32, [2, 2], [3, 4, 5, 6])
        H.assertTensor(try H.run("Compress", [x, mask([false, true])], ["axis": .int(-1)]), .float32, [3, 1], [2, 4, 6])
        // Without an axis the input is flattened; a short condition selects nothing past its end.
        H.assertTensor(try H.run("Compress", [x, mask([false, true, false, false, true])]), .float32, [2], [2, 5])
        H.assertTensor(try H.run("Compress", [Tensor(shape: [2], int64s: [7, 8]), mask([false, false])]), .int64, [0], [])
        H.assertRuntimeError(.invalidArgument) { try H.run("Compress", [self.x, mask([false, false, true])], ["axis": .int(1)]) }
        H.assertRuntimeError(.unsupportedDType) { try H.run("Compress", [self.x, Tensor(shape: [1], int64s: [1])]) }
    }

    func testNonZero() throws {
        let c = Tensor(shape: [2, 2], values: [true, false, true, true])
        H.assertTensor(try H.run("NonZero", [c]), .int64, [2, 3], [0, 1, 1, 0, 0, 1])
        // -0.0 is zero, NaN is not.
        H.assertTensor(try H.run("NonZero", [Tensor(shape: [4], floats: [-0.0, .nan, 0, 2])]), .int64, [1, 2], [1, 3])
        H.assertTensor(try H.run("NonZero", [Tensor(scalar: 3)]), .int64, [1, 1], [0])
        H.assertTensor(try H.run("NonZero", [Tensor(shape: [2], int64s: [0, 0])]), .int64, [1, 0], [])
    }

    func testReverseSequence() throws {
        // The ONNX documentation's time-major example.
        let t = Tensor(shape: [4, 4], floats: [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15])
        let lens = Tensor(shape: [4], int64s: [4, 3, 2, 1])
        H.assertTensor(try H.run("ReverseSequence", [t, lens], ["time_axis": .int(0), "batch_axis": .int(1)]),
                       .float32, [4, 4], [3, 6, 9, 12, 2, 5, 8, 13, 1, 4, 10, 14, 0, 7, 11, 15])
        // Batch-major, with a trailing axis moved as a whole.
        let b = Tensor(shape: [2, 3, 2], floats: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
        H.assertTensor(try H.run("ReverseSequence", [b, Tensor(shape: [2], int64s: [2, 3])], ["time_axis": .int(1), "batch_axis": .int(0)]),
                       .float32, [2, 3, 2], [2, 3, 0, 1, 4, 5, 10, 11, 8, 9, 6, 7])
        H.assertRuntimeError(.invalidArgument) { try H.run("ReverseSequence", [t, Tensor(shape: [4], int64s: [5, 1, 1, 1])]) }
        H.assertRuntimeError(.invalidArgument) { try H.run("ReverseSequence", [t, lens], ["time_axis": .int(1), "batch_axis": .int(1)]) }
    }

    func testEyeLike() throws {
        let m = Tensor(shape: [3, 4], values: [Int32](repeating: 7, count: 12))
        H.assertTensor(try H.run("EyeLike", [m], ["k": .int(1)]), .int32, [3, 4], [0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])
        H.assertTensor(try H.run("EyeLike", [Tensor(shape: [3, 3], floats: [Float](repeating: 0, count: 9))], ["k": .int(-1), "dtype": .int(11)]),
                       .float64, [3, 3], [0, 0, 0, 1, 0, 0, 0, 1, 0])
        H.assertTensor(try H.run("EyeLike", [m], ["k": .int(9), "dtype": .int(9)]), .bool, [3, 4], [Double](repeating: 0, count: 12))
        H.assertTensor(try H.run("EyeLike", [Tensor(shape: [2, 2], dtype: .bfloat16, doubles: [5, 5, 5, 5])]), .bfloat16, [2, 2], [1, 0, 0, 1])
        H.assertRuntimeError(.invalidArgument) { try H.run("EyeLike", [Tensor(shape: [3], floats: [1, 2, 3])]) }
        H.assertRuntimeError(.unsupportedDType) { try H.run("EyeLike", [m], ["dtype": .int(8)]) }
    }
}
