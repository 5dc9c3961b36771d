import XCTest
@testable import Runtime

private typealias H = ReferenceOpHarness

private func f32(_ shape: [Int], _ v: [Float]) -> Tensor { Tensor(shape: shape, floats: v) }
private func i64(_ shape: [Int], _ v: [Int64]) -> Tensor { Tensor(shape: shape, int64s: v) }
private func bools(_ shape: [Int], _ v: [Bool]) -> Tensor { Tensor(shape: shape, values: v) }

final class BroadcastTests: XCTestCase {
    func testShapes() throws {
        XCTAssertEqual(try Broadcast.shape([[2, 3, 4], [3, 1]]), [2, 3, 4])
        XCTAssertEqual(try Broadcast.shape([[2, 1], [1, 3]]), [2, 3])
        XCTAssertEqual(try Broadcast.shape([[], [5]]), [5])
        XCTAssertEqual(try Broadcast.shape([[0, 1], [1, 4]]), [0, 4])
        H.assertRuntimeError(.invalidArgument) { try Broadcast.shape([[2, 3], [4]]) }
    }

    func testStridesAreZeroAlongBroadcastDimensions() throws {
        XCTAssertEqual(Broadcast.strides(of: [3, 1], in: [2, 3, 4]), [0, 1, 0])
        XCTAssertEqual(Broadcast.strides(of: [2, 3, 4], in: [2, 3, 4]), [12, 4, 1])
        let bc = try Broadcast([[2, 3, 4], [2, 3, 4]])
        XCTAssertEqual(bc.rowLength, 24, "same shapes iterate as one flat row")
        let scalar = try Broadcast([[2, 3, 4], []])
        XCTAssertEqual(scalar.rowLength, 24)
        XCTAssertEqual(scalar.rowStride(1), 0)
    }

    /// Visits every output position exactly once with the right operand offsets.
    func testRowIterationMatchesIndexFormula() throws {
        let bc = try Broadcast([[2, 1, 3, 1], [1, 2, 1, 2]])
        var seen: [[Int]] = []
        bc.forEachRow { dense, off in
            for j in 0..<bc.rowLength {
                seen.append([dense + j, off[0] + j * bc.rowStride(0), off[1] + j * bc.rowStride(1)])
            }
        }
        var expected: [[Int]] = []
        for i in 0..<2 { for j in 0..<2 { for k in 0..<3 { for l in 0..<2 {
            expected.append([((i * 2 + j) * 3 + k) * 2 + l, i * 3 + k, j * 2 + l])
        } } } }
        XCTAssertEqual(seen, expected)
    }
}

final class ElementwiseOpsTests: XCTestCase {
    func testAddBroadcasts() throws {
        H.assertTensor(try H.run("Add", [f32([2, 3], [1, 2, 3, 4, 5, 6]), f32([3], [10, 20, 30])]),
                       .float32, [2, 3], [11, 22, 33, 14, 25, 36])
        H.assertTensor(try H.run("Add", [f32([2, 1], [1, 2]), f32([1, 3], [10, 20, 30])]),
                       .float32, [2, 3], [11, 21, 31, 12, 22, 32])
        H.assertTensor(try H.run("Add", [Tensor(scalar: 100), f32([2], [1, 2])]), .float32, [2], [101, 102])
        H.assertTensor(try H.run("Add", [f32([0, 3], []), f32([3], [1, 2, 3])]), .float32, [0, 3], [])
    }

    func testFourDimensionalBroadcastUsesIndexFormula() throws {
        let a = (0..<6).map { Float($0) }, b = (0..<4).map { Float($0) * 100 }
        let y = try H.run("Mul", [f32([2, 1, 3, 1], a), f32([1, 2, 1, 2], b)])
        var expected: [Double] = []
        for i in 0..<2 { for j in 0..<2 { for k in 0..<3 { for l in 0..<2 {
            expected.append(Double(a[i * 3 + k] * b[j * 2 + l]))
        } } } }
        H.assertTensor(y, .float32, [2, 2, 3, 2], expected)
    }

    func testIntegerArithmetic() throws {
        let a = Tensor(shape: [5], values: [7, -7, 7, -7, 5] as [Int32]), b = Tensor(shape: [5], values: [2, 2, -2, -2, 0] as [Int32])
        // C division truncates toward zero; division by zero gives 0 instead of trapping.
        H.assertTensor(try H.run("Div", [a, b]), .int32, [5], [3, -3, -3, 3, 0])
        H.assertTensor(try H.run("Sub", [a, b]), .int32, [5], [5, -9, 9, -5, 5])
        H.assertTensor(try H.run("Mul", [i64([2], [3, -4]), i64([1], [5])]), .int64, [2], [15, -20])
        // uint8 wraps like numpy: 1 - 2 = 255.
        H.assertTensor(try H.run("Sub", [Tensor(shape: [1], values: [1] as [UInt8]), Tensor(shape: [1], values: [2] as [UInt8])]),
                       .uint8, [1], [255])
    }

    func testFloat64AndFloat16() throws {
        let d = Tensor(shape: [2], dtype: .float64, doubles: [1.5, 2.25])
        H.assertTensor(try H.run("Div", [d, d]), .float64, [2], [1, 1])
        let h = Tensor(shape: [2], dtype: .float16, doubles: [1.5, -2])
        H.assertTensor(try H.run("Add", [h, h]), .float16, [2], [3, -4])
        let bf = Tensor(shape: [2], dtype: .bfloat16, doubles: [1.5, -2])
        H.assertTensor(try H.run("Mul", [bf, bf]), .bfloat16, [2], [2.25, 4])
    }

    func testMismatchedTypesAreRejected() {
        H.assertRuntimeError(.unsupportedDType) { try H.run("Add", [f32([1], [1]), i64([1], [1])]) }
        H.assertRuntimeError(.invalidArgument) { try H.run("Add", [f32([2], [1, 2]), f32([3], [1, 2, 3])]) }
        H.assertRuntimeError(.unsupportedDType) { try H.run("Add", [bools([1], [true]), bools([1], [true])]) }
    }

    func testPowTypeCombinations() throws {
        H.assertTensor(try H.run("Pow", [f32([2], [2, 3]), f32([2], [3, 0.5])]), .float32, [2], [8, 1.7320508075688772])
        // Output type is the base type; int base with float exponent truncates the result.
        H.assertTensor(try H.run("Pow", [Tensor(shape: [3], values: [1, 2, 3] as [Int32]), f32([3], [4, 5, 6])]),
                       .int32, [3], [1, 32, 729])
        H.assertTensor(try H.run("Pow", [f32([2], [2, 0.5]), i64([2], [3, -1])]), .float32, [2], [8, 2])
        H.assertTensor(try H.run("Pow", [i64([4], [2, 3, -2, 2]), i64([4], [10, 3, 3, -1])]), .int64, [4], [1024, 27, -8, 0])
        H.assertTensor(try H.run("Pow", [f32([2, 2], [1, 2, 3, 4]), Tensor(scalar: 2)]), .float32, [2, 2], [1, 4, 9, 16])
    }

    func testMod() throws {
        // Expected values from the ONNX test_mod_mixed_sign_* data (numpy.mod / numpy.fmod).
        let a = Tensor(shape: [6], values: [-4, 7, 5, 4, -7, 8] as [Int8]), b = Tensor(shape: [6], values: [2, -3, 8, -2, 3, 5] as [Int8])
        H.assertTensor(try H.run("Mod", [a, b]), .int8, [6], [0, -2, 5, 0, 2, 3])
        H.assertTensor(try H.run("Mod", [a, b], ["fmod": .int(1)]), .int8, [6], [0, 1, 5, 0, -1, 3])
        let x = f32([6], [-4.3, 7.2, 5, 4.3, -7.2, 8]), y = f32([6], [2.1, -3.4, 8, -2.1, 3.4, 5])
        H.assertTensor(try H.run("Mod", [x, y], ["fmod": .int(1)]), .float32, [6], [-0.1, 0.4, 5, 0.1, -0.4, 3], tolerance: 1e-5)
        H.assertTensor(try H.run("Mod", [x, y]), .float32, [6], [2.0, -3.0, 5, -2.0, 3.0, 3], tolerance: 1e-5)
    }

    func testUnaryMath() throws {
        H.assertTensor(try H.run("Sqrt", [f32([2], [4, 9])]), .float32, [2], [2, 3])
        H.assertTensor(try H.run("Exp", [f32([2], [0, 1])]), .float32, [2], [1, M_E])
        H.assertTensor(try H.run("Log", [Tensor(shape: [2], dtype: .float64, doubles: [1, M_E])]), .float64, [2], [0, 1])
        H.assertTensor(try H.run("Erf", [f32([2], [0, 1])]), .float32, [2], [0, 0.8427007929497149])  // math.erf(1)
        H.assertTensor(try H.run("Reciprocal", [f32([2], [2, -4])]), .float32, [2], [0.5, -0.25])
        let r = f32([6], [-1.5, -0.5, 0.5, 1.5, 2.5, 2.3])
        H.assertTensor(try H.run("Floor", [r]), .float32, [6], [-2, -1, 0, 1, 2, 2])
        H.assertTensor(try H.run("Ceil", [r]), .float32, [6], [-1, 0, 1, 2, 3, 3])
        H.assertTensor(try H.run("Round", [r]), .float32, [6], [-2, 0, 0, 2, 2, 2])
        H.assertRuntimeError(.unsupportedDType) { try H.run("Sqrt", [i64([1], [4])]) }
    }

    func testAbsNegSign() throws {
        H.assertTensor(try H.run("Abs", [Tensor(shape: [3], values: [-3, 0, 2] as [Int32])]), .int32, [3], [3, 0, 2])
        H.assertTensor(try H.run("Abs", [f32([2], [-1.5, 2])]), .float32, [2], [1.5, 2])
        H.assertTensor(try H.run("Neg", [i64([2], [5, -6])]), .int64, [2], [-5, 6])
        H.assertTensor(try H.run("Sign", [f32([4], [-2, 0, 3.5, .nan])]), .float32, [4], [-1, 0, 1, .nan])
        H.assertTensor(try H.run("Sign", [Tensor(shape: [3], values: [-7, 0, 9] as [Int8])]), .int8, [3], [-1, 0, 1])
    }

    func testVariadic() throws {
        H.assertTensor(try H.run("Sum", [f32([2, 2], [1, 2, 3, 4]), f32([2], [10, 20]), Tensor(scalar: 100)]),
                       .float32, [2, 2], [111, 122, 113, 124])
        H.assertTensor(try H.run("Mean", [f32([2], [1, 2]), f32([2], [3, 4]), f32([2], [5, 6])]), .float32, [2], [3, 4])
        H.assertTensor(try H.run("Max", [f32([3], [1, .nan, 5]), f32([3], [2, 0, 4])]), .float32, [3], [2, .nan, 5])
        H.assertTensor(try H.run("Min", [Tensor(shape: [3], values: [1, -5, 7] as [Int8]), Tensor(shape: [1], values: [0] as [Int8])]),
                       .int8, [3], [0, -5, 0])
        H.assertTensor(try H.run("Min", [f32([2], [3, 1])]), .float32, [2], [3, 1])
        // The output shape comes from all inputs, not just the first.
        H.assertTensor(try H.run("Max", [f32([1], [2]), f32([3], [1, 2, 3])]), .float32, [3], [2, 2, 3])
    }

    func testComparisons() throws {
        let a = f32([3], [1, 2, 3]), b = f32([1], [2])
        H.assertTensor(try H.run("Equal", [a, b]), .bool, [3], [0, 1, 0])
        H.assertTensor(try H.run("Less", [a, b]), .bool, [3], [1, 0, 0])
        H.assertTensor(try H.run("Greater", [a, b]), .bool, [3], [0, 0, 1])
        H.assertTensor(try H.run("LessOrEqual", [a, b]), .bool, [3], [1, 1, 0])
        H.assertTensor(try H.run("GreaterOrEqual", [a, b]), .bool, [3], [0, 1, 1])
        H.assertTensor(try H.run("Equal", [i64([2], [5, 6]), i64([2], [5, 7])]), .bool, [2], [1, 0])
        H.assertTensor(try H.run("Equal", [bools([2], [true, false]), bools([2], [true, true])]), .bool, [2], [1, 0])
    }

    func testLogic() throws {
        let a = bools([2, 2], [false, false, true, true]), b = bools([2], [false, true])
        H.assertTensor(try H.run("And", [a, b]), .bool, [2, 2], [0, 0, 0, 1])
        H.assertTensor(try H.run("Or", [a, b]), .bool, [2, 2], [0, 1, 1, 1])
        H.assertTensor(try H.run("Xor", [a, b]), .bool, [2, 2], [0, 1, 1, 0])
        H.assertTensor(try H.run("Not", [b]), .bool, [2], [1, 0])
        H.assertRuntimeError(.unsupportedDType) { try H.run("And", [f32([1], [1]), b]) }
    }

    func testWhere() throws {
        let c = bools([2, 2], [true, false, false, true])
        H.assertTensor(try H.run("Where", [c, f32([2], [1, 2]), Tensor(scalar: -1)]), .float32, [2, 2], [1, -1, -1, 2])
        H.assertTensor(try H.run("Where", [c, i64([2, 2], [1, 2, 3, 4]), i64([2, 2], [5, 6, 7, 8])]), .int64, [2, 2], [1, 6, 7, 4])
        H.assertTensor(try H.run("Where", [bools([1], [false]), bools([2], [true, true]), bools([2], [false, true])]),
                       .bool, [2], [0, 1])
    }

    func testCast() throws {
        let x = f32([4], [1.7, -1.7, 0.5, 0])
        H.assertTensor(try H.run("Cast", [x], ["to": .int(DType.int32.rawValue)]), .int32, [4], [1, -1, 0, 0])
        H.assertTensor(try H.run("Cast", [x], ["to": .int(DType.bool.rawValue)]), .bool, [4], [1, 1, 1, 0])
        H.assertTensor(try H.run("Cast", [x], ["to": .int(DType.float64.rawValue)]), .float64, [4],
                       [1.7, -1.7, 0.5, 0].map { Double(Float($0)) })
        // int64 → int8 wraps like a C cast: 300 = 256 + 44, -129 = -256 + 127.
        H.assertTensor(try H.run("Cast", [i64([2], [300, -129])], ["to": .int(DType.int8.rawValue)]), .int8, [2], [44, 127])
        H.assertTensor(try H.run("Cast", [bools([2], [true, false])], ["to": .int(DType.float32.rawValue)]), .float32, [2], [1, 0])
        // float16 holds 1.7 as 1.7001953125 (nearest multiple of 2^-10).
        H.assertTensor(try H.run("Cast", [x], ["to": .int(DType.float16.rawValue)]), .float16, [4], [1.7001953125, -1.7001953125, 0.5, 0])
        // bfloat16 rounds to nearest even: 0x3EFFD6B2 → 0x3F00 (0.5).
        let bf = try H.run("Cast", [f32([1], [Float(bitPattern: 0x3EFF_D6B2)])], ["to": .int(DType.bfloat16.rawValue)])
        XCTAssertEqual(bf.dtype, .bfloat16)
        XCTAssertEqual(bf.withUnsafeBytes { $0.load(as: UInt16.self) }, 0x3F00)
        H.assertRuntimeError(.unsupportedDType) { try H.run("Cast", [x], ["to": .int(DType.string.rawValue)]) }
        H.assertRuntimeError(.invalidArgument) { try H.run("Cast", [x]) }
    }

    func testIsNaNIsInf() throws {
        let x = f32([4], [1, .nan, .infinity, -.infinity])
        H.assertTensor(try H.run("IsNaN", [x]), .bool, [4], [0, 1, 0, 0])
        H.assertTensor(try H.run("IsInf", [x]), .bool, [4], [0, 0, 1, 1])
        H.assertTensor(try H.run("IsInf", [x], ["detect_negative": .int(0)]), .bool, [4], [0, 0, 1, 0])
        H.assertTensor(try H.run("IsInf", [x], ["detect_positive": .int(0)]), .bool, [4], [0, 0, 0, 1])
    }

    func testBitShift() throws {
        let x = Tensor(shape: [3], values: [16, 4, 1] as [UInt8]), s = Tensor(shape: [3], values: [1, 2, 3] as [UInt8])
        H.assertTensor(try H.run("BitShift", [x, s], ["direction": .string("LEFT")]), .uint8, [3], [32, 16, 8])
        H.assertTensor(try H.run("BitShift", [x, s], ["direction": .string("RIGHT")]), .uint8, [3], [8, 1, 0])
    }

    func testThroughSession() throws {
        let y = try H.session("Add", [f32([2, 2], [1, 2, 3, 4]), f32([2], [0.5, -1])])
        H.assertTensor(y, .float32, [2, 2], [1.5, 1, 3.5, 3])
    }
}
