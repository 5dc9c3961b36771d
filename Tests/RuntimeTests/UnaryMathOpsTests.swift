import XCTest
@testable import Runtime

private typealias H = ReferenceOpHarness

private func f32(_ v: [Float]) -> Tensor { Tensor(shape: [v.count], floats: v) }

final class UnaryMathOpsTests: XCTestCase {
    func testTrigonometric() throws {
        H.assertTensor(try H.run("Sin", [f32([0, Float.pi / 2, -Float.pi / 6])]), .float32, [3], [0, 1, -0.5])
        H.assertTensor(try H.run("Cos", [f32([0, Float.pi / 3, Float.pi])]), .float32, [3], [1, 0.5, -1])
        H.assertTensor(try H.run("Tan", [f32([0, Float.pi / 4])]), .float32, [2], [0, 1])
        H.assertTensor(try H.run("Asin", [f32([1, -0.5])]), .float32, [2], [Double.pi / 2, -Double.pi / 6])
        H.assertTensor(try H.run("Acos", [f32([0.5, -1])]), .float32, [2], [Double.pi / 3, Double.pi])
        H.assertTensor(try H.run("Atan", [f32([1, -1])]), .float32, [2], [Double.pi / 4, -Double.pi / 4])
    }

    func testHyperbolic() throws {
        // sinh 1 = (e − 1/e) / 2, cosh 1 = (e + 1/e) / 2, asinh 1 = ln(1 + √2), acosh 2 = ln(2 + √3),
        // atanh ½ = ln 3 / 2.
        H.assertTensor(try H.run("Sinh", [f32([0, 1])]), .float32, [2], [0, 1.1752011936438014])
        H.assertTensor(try H.run("Cosh", [f32([0, 1])]), .float32, [2], [1, 1.5430806348152437])
        H.assertTensor(try H.run("Asinh", [f32([0, 1])]), .float32, [2], [0, 0.881373587019543])
        H.assertTensor(try H.run("Acosh", [f32([1, 2])]), .float32, [2], [0, 1.3169578969248166])
        H.assertTensor(try H.run("Atanh", [f32([0, 0.5])]), .float32, [2], [0, 0.5493061443340549])
    }

    func testOutsideTheDomain() throws {
        H.assertTensor(try H.run("Asin", [f32([2])]), .float32, [1], [.nan])
        H.assertTensor(try H.run("Acosh", [f32([0.5])]), .float32, [1], [.nan])
        H.assertTensor(try H.run("Atanh", [f32([1, -1])]), .float32, [2], [.infinity, -.infinity])
    }

    func testOtherFloatTypes() throws {
        H.assertTensor(try H.run("Sinh", [Tensor(shape: [1], dtype: .float64, doubles: [1])]), .float64, [1], [1.1752011936438014],
                       tolerance: 1e-14)
        H.assertTensor(try H.run("Cos", [Tensor(shape: [1], dtype: .float16, doubles: [0])]), .float16, [1], [1])
        H.assertTensor(try H.run("Atan", [Tensor(shape: [1], dtype: .bfloat16, doubles: [0])]), .bfloat16, [1], [0])
        H.assertRuntimeError(.unsupportedDType) { try H.run("Sin", [Tensor(shape: [1], int64s: [1])]) }
    }

    func testShrink() throws {
        let x = f32([-2, -1, 0, 1, 2])
        // Hard shrink (bias 0) keeps |x| > lambd; soft shrink moves them toward 0 by bias.
        H.assertTensor(try H.run("Shrink", [x], ["lambd": .float(1.5)]), .float32, [5], [-2, 0, 0, 0, 2])
        H.assertTensor(try H.run("Shrink", [x], ["lambd": .float(1.5), "bias": .float(1.5)]), .float32, [5], [-0.5, 0, 0, 0, 0.5])
        H.assertTensor(try H.run("Shrink", [f32([-0.6, 0.4])]), .float32, [2], [-0.6, 0])  // lambd 0.5 by default
        let ints = Tensor(shape: [3], values: [-3, 1, 3] as [Int32])
        H.assertTensor(try H.run("Shrink", [ints], ["lambd": .float(1.5), "bias": .float(1)]), .int32, [3], [-2, 0, 2])
        H.assertTensor(try H.run("Shrink", [Tensor(shape: [2], values: [0, 200] as [UInt8])], ["bias": .float(50)]), .uint8, [2], [0, 150])
    }
}
