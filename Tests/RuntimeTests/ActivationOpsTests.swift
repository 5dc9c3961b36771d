import XCTest
@testable import Runtime

private typealias H = ReferenceOpHarness

private func f32(_ shape: [Int], _ v: [Float]) -> Tensor { Tensor(shape: shape, floats: v) }

final class ActivationOpsTests: XCTestCase {
    func testReluFamily() throws {
        H.assertTensor(try H.run("Relu", [f32([3], [-1, 0, 2])]), .float32, [3], [0, 0, 2])
        H.assertTensor(try H.run("Relu", [Tensor(shape: [2], values: [-4, 3] as [Int32])]), .int32, [2], [0, 3])
        H.assertTensor(try H.run("LeakyRelu", [f32([2], [-2, 3])], ["alpha": .float(0.1)]), .float32, [2], [-0.2, 3])
        H.assertTensor(try H.run("LeakyRelu", [f32([1], [-2])]), .float32, [1], [-0.02])
        H.assertTensor(try H.run("ThresholdedRelu", [f32([3], [0.5, 1, 2])]), .float32, [3], [0, 0, 2])
        H.assertRuntimeError(.unsupportedDType) { try H.run("LeakyRelu", [Tensor(shape: [1], int64s: [1])]) }
    }

    func testExponentialFamily() throws {
        // 2 * (e^-1 - 1)
        H.assertTensor(try H.run("Elu", [f32([2], [-1, 1])], ["alpha": .float(2)]), .float32, [2], [-1.2642411176571153, 1])
        // gamma * alpha * (e^-1 - 1) and gamma * 2 with the ONNX default constants.
        H.assertTensor(try H.run("Selu", [f32([3], [-1, 0, 2])]), .float32, [3], [-1.1113307412864784, 0, 2.1014020442962646])
        // alpha * (e^(x / alpha) - 1) for x < 0: 2 * (e^-1 - 1).
        H.assertTensor(try H.run("Celu", [f32([2], [-2, 3])], ["alpha": .float(2)]), .float32, [2], [-1.2642411176571153, 3])
        H.assertTensor(try H.run("Tanh", [f32([2], [0, 1])]), .float32, [2], [0, 0.7615941559557649])
        // 1 / (1 + e^-x)
        H.assertTensor(try H.run("Sigmoid", [f32([3], [0, 2, -2])]), .float32, [3], [0.5, 0.8807970779778823, 0.11920292202211755])
        H.assertTensor(try H.run("Sigmoid", [f32([2], [-200, 200])]), .float32, [2], [0, 1])
        // log(1 + e^x): ln 2 at 0; no overflow at 100.
        H.assertTensor(try H.run("Softplus", [f32([3], [0, 100, -100])]), .float32, [3], [0.6931471805599453, 100, 0])
        H.assertTensor(try H.run("Softsign", [f32([2], [1, -3])]), .float32, [2], [0.5, -0.75])
        H.assertTensor(try H.run("Mish", [f32([1], [1])]), .float32, [1], [0.8650983882673103])  // tanh(log1p(e))
    }

    func testHardFunctions() throws {
        H.assertTensor(try H.run("HardSigmoid", [f32([4], [-3, 0, 1, 3])]), .float32, [4], [0, 0.5, 0.7, 1])
        H.assertTensor(try H.run("HardSigmoid", [f32([1], [1])], ["alpha": .float(0.5), "beta": .float(0)]), .float32, [1], [0.5])
        // x * clamp(x / 6 + 0.5, 0, 1)
        H.assertTensor(try H.run("HardSwish", [f32([4], [-4, 0, 1, 4])]), .float32, [4], [0, 0, 2.0 / 3.0, 4])
    }

    func testGelu() throws {
        // 0.5 (1 + erf(1 / sqrt 2)) and the tanh approximation at x = 1.
        H.assertTensor(try H.run("Gelu", [f32([1], [1])], opset: 20), .float32, [1], [0.8413447460685429])
        H.assertTensor(try H.run("Gelu", [f32([1], [1])], ["approximate": .string("tanh")], opset: 20),
                       .float32, [1], [0.8411919906082768])
    }

    func testFloat64AndFloat16Paths() throws {
        H.assertTensor(try H.run("Sigmoid", [Tensor(shape: [1], dtype: .float64, doubles: [2])]), .float64, [1], [0.8807970779778823],
                       tolerance: 1e-12)
        H.assertTensor(try H.run("Relu", [Tensor(shape: [2], dtype: .float16, doubles: [-1, 1.5])]), .float16, [2], [0, 1.5])
        H.assertTensor(try H.run("Relu", [Tensor(shape: [2], dtype: .bfloat16, doubles: [-1, 1.5])]), .bfloat16, [2], [0, 1.5])
    }

    func testClip() throws {
        let x = f32([5], [-3, -1, 0, 1, 3])
        H.assertTensor(try H.run("Clip", [x, Tensor(scalar: -1), Tensor(scalar: 2)], opset: 13), .float32, [5], [-1, -1, 0, 1, 2])
        H.assertTensor(try H.run("Clip", [x, nil, Tensor(scalar: 0)], opset: 13), .float32, [5], [-3, -1, 0, 0, 0])
        H.assertTensor(try H.run("Clip", [x], opset: 13), .float32, [5], [-3, -1, 0, 1, 3])
        // min > max: every element becomes max.
        H.assertTensor(try H.run("Clip", [x, Tensor(scalar: 2), Tensor(scalar: 1)], opset: 13), .float32, [5], [1, 1, 1, 1, 1])
        let i8 = Tensor(shape: [3], values: [-100, 5, 100] as [Int8])
        H.assertTensor(try H.run("Clip", [i8, Tensor(shape: [], values: [0] as [Int8])], opset: 13), .int8, [3], [0, 5, 100])
        // Before opset 11 the bounds are attributes.
        H.assertTensor(try H.run("Clip", [x], ["min": .float(-0.5), "max": .float(0.5)], opset: 6), .float32, [5],
                       [-0.5, -0.5, 0, 0.5, 0.5])
        H.assertRuntimeError(.unsupportedDType) { try H.run("Clip", [x, Tensor(scalarInt64: 0)], opset: 13) }
        H.assertRuntimeError(.invalidArgument) { try H.run("Clip", [x, f32([2], [0, 1])], opset: 13) }
    }

    func testPRelu() throws {
        let x = f32([2, 3], [-1, -2, -3, 1, 2, 3])
        H.assertTensor(try H.run("PRelu", [x, f32([3], [0.1, 0.2, 0.3])]), .float32, [2, 3], [-0.1, -0.4, -0.9, 1, 2, 3])
        H.assertTensor(try H.run("PRelu", [x, f32([2, 1], [2, 3])]), .float32, [2, 3], [-2, -4, -6, 1, 2, 3])
        // The slope must broadcast to the input, not the other way round.
        H.assertRuntimeError(.invalidArgument) { try H.run("PRelu", [f32([3], [1, 2, 3]), f32([2, 3], [1, 1, 1, 1, 1, 1])]) }
    }

    func testSoftmaxAlongAxis() throws {
        let x = f32([2, 3], [1, 2, 3, 4, 5, 6])
        // numpy: e = exp(r - max(r)); e / e.sum() for r = [1, 2, 3] (each row; softmax is shift-invariant).
        let row = [0.09003057, 0.24472847, 0.66524096]
        H.assertTensor(try H.run("Softmax", [x], opset: 13), .float32, [2, 3], row + row)
        // Along axis 0 of [2, 3]: every column is [a, a + 3] → [1/(1+e^3), e^3/(1+e^3)].
        H.assertTensor(try H.run("Softmax", [x], ["axis": .int(0)], opset: 13), .float32, [2, 3],
                       [0.04742587, 0.04742587, 0.04742587, 0.95257413, 0.95257413, 0.95257413])
        H.assertTensor(try H.run("LogSoftmax", [x], opset: 13), .float32, [2, 3],
                       [-2.40760596, -1.40760596, -0.40760596, -2.40760596, -1.40760596, -0.40760596])
        // Large values do not overflow: softmax([1000, 1001]) = softmax([0, 1]).
        H.assertTensor(try H.run("Softmax", [f32([2], [1000, 1001])], opset: 13), .float32, [2], [0.26894142, 0.73105858])
        H.assertRuntimeError(.invalidArgument) { try H.run("Softmax", [x], ["axis": .int(2)], opset: 13) }
    }

    /// Before opset 13 the input is flattened to 2-D at `axis`; from 13 only `axis` is used.
    func testSoftmaxAxisSemanticsDependOnOpset() throws {
        let x = f32([2, 2, 2], [0, 1, 2, 3, 0, 0, 0, 0])
        // numpy: softmax over the 4 trailing elements [0, 1, 2, 3] of each batch item.
        H.assertTensor(try H.run("Softmax", [x], opset: 11), .float32, [2, 2, 2],
                       [0.0320586, 0.08714432, 0.23688282, 0.64391426, 0.25, 0.25, 0.25, 0.25])
        // Along axis 1 only: pairs (0, 2) and (1, 3) → [1/(1+e^2), e^2/(1+e^2)].
        H.assertTensor(try H.run("Softmax", [x], ["axis": .int(1)], opset: 13), .float32, [2, 2, 2],
                       [0.11920292, 0.11920292, 0.88079708, 0.88079708, 0.5, 0.5, 0.5, 0.5])
    }

    func testHardmax() throws {
        let x = f32([2, 3], [3, 1, 3, 0, 2, 1])
        // The first maximum wins.
        H.assertTensor(try H.run("Hardmax", [x], opset: 13), .float32, [2, 3], [1, 0, 0, 0, 1, 0])
        H.assertTensor(try H.run("Hardmax", [x], ["axis": .int(0)], opset: 13), .float32, [2, 3], [1, 0, 1, 0, 1, 0])
        // Legacy: flattened from axis 0, one 1 in the whole tensor.
        H.assertTensor(try H.run("Hardmax", [x], ["axis": .int(0)], opset: 11), .float32, [2, 3], [1, 0, 0, 0, 0, 0])
    }

    func testSoftmaxFloat16() throws {
        let y = try H.run("Softmax", [Tensor(shape: [2], dtype: .float16, doubles: [0, 0])], opset: 13)
        H.assertTensor(y, .float16, [2], [0.5, 0.5])
    }

    func testThroughSession() throws {
        H.assertTensor(try H.session("Softmax", [f32([1, 2], [1000, 1001])], opset: 13), .float32, [1, 2], [0.26894142, 0.73105858])
    }
}
