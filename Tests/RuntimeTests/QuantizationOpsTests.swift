import XCTest
@testable import Runtime

private typealias H = ReferenceOpHarness

private func u8(_ shape: [Int], _ v: [UInt8]) -> Tensor { Tensor(shape: shape, values: v) }
private func i8(_ shape: [Int], _ v: [Int8]) -> Tensor { Tensor(shape: shape, values: v) }

final class QuantizationOpsTests: XCTestCase {
    func testQuantizeLinear() throws {
        // The ONNX documentation's example: round(x / 2) + 128, saturated; 3 / 2 rounds to even (2).
        let x = Tensor(shape: [6], floats: [0, 2, 3, 1000, -254, -1000])
        H.assertTensor(try H.run("QuantizeLinear", [x, Tensor(scalar: 2), u8([], [128])]), .uint8, [6], [128, 129, 130, 255, 1, 0])
        // No zero point: uint8 with zero point 0.
        H.assertTensor(try H.run("QuantizeLinear", [Tensor(shape: [3], floats: [-1, 2.5, 3.5]), Tensor(scalar: 1)]), .uint8, [3], [0, 2, 4])
        H.assertTensor(try H.run("QuantizeLinear", [Tensor(shape: [2], floats: [.nan, 300]), Tensor(scalar: 1), i8([], [-3])]),
                       .int8, [2], [-3, 127])
    }

    func testPerAxisQuantization() throws {
        // Row 0: scale 1, zero point 0. Row 1: scale 2, zero point −1 (5 / 2 = 2.5 rounds to 2).
        let x = Tensor(shape: [2, 2], floats: [1, -1, 4, 5])
        let y = try H.run("QuantizeLinear", [x, Tensor(shape: [2], floats: [1, 2]), i8([2], [0, -1])], ["axis": .int(0)], opset: 13)
        H.assertTensor(y, .int8, [2, 2], [1, -1, 1, 1])
        let back = try H.run("DequantizeLinear", [y, Tensor(shape: [2], floats: [1, 2]), i8([2], [0, -1])], ["axis": .int(0)], opset: 13)
        H.assertTensor(back, .float32, [2, 2], [1, -1, 4, 4])
        H.assertRuntimeError(.invalidArgument) {
            try H.run("QuantizeLinear", [x, Tensor(shape: [3], floats: [1, 2, 3]), i8([3], [0, 0, 0])], ["axis": .int(0)], opset: 13)
        }
    }

    func testDequantizeLinear() throws {
        H.assertTensor(try H.run("DequantizeLinear", [u8([4], [0, 3, 128, 255]), Tensor(scalar: 2), u8([], [128])]),
                       .float32, [4], [-256, -250, 0, 254])
        H.assertTensor(try H.run("DequantizeLinear", [Tensor(shape: [2], values: [-5, 7] as [Int32]), Tensor(scalar: 0.5)]),
                       .float32, [2], [-2.5, 3.5])
        H.assertRuntimeError(.unsupportedDType) { try H.run("DequantizeLinear", [u8([1], [1]), Tensor(scalar: 1), i8([], [0])]) }
    }

    func testDynamicQuantizeLinear() throws {
        // The ONNX documentation's example: range [−3, 2], scale 5 / 255, zero point 153.
        let x = Tensor(shape: [6], floats: [0, 2, -3, -2.5, 1.34, 0.5])
        let outs = try NumericOpsHarness.run("DynamicQuantizeLinear", [x], outputs: 3)
        H.assertTensor(outs[0], .uint8, [6], [153, 255, 0, 26, 221, 179])
        H.assertTensor(outs[1], .float32, [], [5.0 / 255])
        H.assertTensor(outs[2], .uint8, [], [153])
        // All zeros: scale 1, everything at zero point 0.
        let zeros = try NumericOpsHarness.run("DynamicQuantizeLinear", [Tensor(shape: [2], floats: [0, 0])], outputs: 3)
        H.assertTensor(zeros[0], .uint8, [2], [0, 0])
        H.assertTensor(zeros[1], .float32, [], [1])
    }

    func testQLinearMatMul() throws {
        // a − 128 = [2, 4] (scale ½), b − 128 = [1, −1]ᵀ (scale 1): sum −2, times ½·1 / ¼ = −4, plus 10.
        let y = try H.run("QLinearMatMul", [u8([1, 2], [130, 132]), Tensor(scalar: 0.5), u8([], [128]),
                                            u8([2, 1], [129, 127]), Tensor(scalar: 1), u8([], [128]),
                                            Tensor(scalar: 0.25), u8([], [10])], opset: 10)
        H.assertTensor(y, .uint8, [1, 1], [6])
        // Per-column b scales and int8 data: columns scaled by 1 and 3, saturating at 127.
        let z = try H.run("QLinearMatMul", [i8([1, 2], [10, 20]), Tensor(scalar: 1), i8([], [0]),
                                            i8([2, 2], [1, 1, 1, 2]), Tensor(shape: [2], floats: [1, 3]), i8([], [0]),
                                            Tensor(scalar: 1), i8([], [-1])], opset: 10)
        H.assertTensor(z, .int8, [1, 2], [29, 127])
    }

    func testQLinearConv() throws {
        // x − 10 = [0, 2, 4, 6], w − 1 = 2 (scale ½), bias 1: sums [1, 5, 9, 13] · ½ + 4, rounded half to even.
        let x = u8([1, 1, 2, 2], [10, 12, 14, 16])
        let y = try H.run("QLinearConv", [x, Tensor(scalar: 1), u8([], [10]), u8([1, 1, 1, 1], [3]), Tensor(shape: [1], floats: [0.5]),
                                          u8([1], [1]), Tensor(scalar: 1), u8([], [4]), Tensor(shape: [1], values: [Int32(1)])], opset: 10)
        H.assertTensor(y, .uint8, [1, 1, 2, 2], [4, 6, 8, 10])
        // Two output channels with their own weight scales over a padded 2×2 kernel.
        let w = u8([2, 1, 2, 2], [1, 1, 1, 1, 2, 0, 0, 0])
        let y2 = try H.run("QLinearConv", [x, Tensor(scalar: 1), u8([], [10]), w, Tensor(shape: [2], floats: [1, 2]), u8([2], [0, 0]),
                                           Tensor(scalar: 1), u8([], [0])], ["pads": .ints([0, 0, 1, 1])], opset: 10)
        // Channel 0 sums the (zero-padded) 2×2 windows of [0, 2, 4, 6]; channel 1 is 2·x·2.
        H.assertTensor(y2, .uint8, [1, 2, 2, 2], [12, 8, 10, 6, 0, 8, 16, 24])
        H.assertRuntimeError(.invalidArgument) {
            try H.run("QLinearConv", [x, Tensor(scalar: 1), u8([2], [10, 10]), w, Tensor(scalar: 1), u8([], [0]), Tensor(scalar: 1), u8([], [0])], opset: 10)
        }
    }
}
