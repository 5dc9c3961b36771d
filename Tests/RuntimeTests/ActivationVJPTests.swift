import XCTest
@testable import Runtime

private typealias G = GradCheck

/// Gradients of the activation family against central finite differences (float64).
final class ActivationVJPTests: XCTestCase {
    let x = G.random([3, 4], seed: 21, scale: 1.5)

    func testPointwiseActivations() throws {
        for op in ["Relu", "Tanh", "Sigmoid", "HardSwish", "Softplus", "Softsign", "Mish", "Elu", "Selu", "Celu"] {
            try G.check(op, [x])
        }
        try G.check("LeakyRelu", [x], ["alpha": .float(0.2)])
        try G.check("Elu", [x], ["alpha": .float(0.5)])
        try G.check("Celu", [x], ["alpha": .float(2)])
        try G.check("Selu", [x], ["alpha": .float(1.5), "gamma": .float(2)])
        try G.check("ThresholdedRelu", [x], ["alpha": .float(0.3)])
        try G.check("HardSigmoid", [x])
        try G.check("HardSigmoid", [x], ["alpha": .float(0.5), "beta": .float(0.2)])
        try G.check("HardSwish", [G.random([3, 4], seed: 22, scale: 4)])
    }

    func testGeluExactAndTanh() throws {
        try G.check("Gelu", [x], opset: 20)
        try G.check("Gelu", [x], ["approximate": .string("tanh")], opset: 20)
    }

    func testClipBoundsAsInputsAndAttributes() throws {
        let lo = Tensor(shape: [], dtype: .float64, doubles: [-0.5]), hi = Tensor(shape: [], dtype: .float64, doubles: [0.7])
        try G.check("Clip", [x, lo, hi], wrt: [0])
        try G.check("Clip", [x, nil, hi], wrt: [0])
        try G.check("Clip", [x, lo], wrt: [0])
        try G.check("Clip", [x], ["min": .float(-0.4), "max": .float(0.6)], opset: 6)
    }

    func testPReluInputAndBroadcastSlope() throws {
        let x3 = G.random([2, 3, 4], seed: 23)
        try G.check("PRelu", [x3, G.random([3, 1], seed: 24)])
        try G.check("PRelu", [x3, G.random([4], seed: 25)])
        try G.check("PRelu", [x3, G.random([1], seed: 26)])
    }

    func testSoftmaxAndLogSoftmaxPerOpset() throws {
        let x3 = G.random([2, 3, 4], seed: 27)
        for op in ["Softmax", "LogSoftmax"] {
            // Opset 13+: along one axis (default -1).
            try G.check(op, [x3])
            try G.check(op, [x3], ["axis": .int(1)])
            try G.check(op, [x3], ["axis": .int(0)])
            // Before 13: coerced to 2-D at axis (default 1), normalised over the trailing block.
            try G.check(op, [x3], opset: 11)
            try G.check(op, [x3], ["axis": .int(2)], opset: 11)
            try G.check(op, [x3], ["axis": .int(0)], opset: 11)
        }
        try G.check("Softmax", [G.random([2, 3, 4], seed: 28, dtype: .float32)], ["axis": .int(1)])
    }
}
