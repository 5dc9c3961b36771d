import XCTest
@testable import Runtime

/// Every op that models train through has a reverse-mode rule in `OpRegistry.standard`, every
/// op without a gradient by nature is declared so with a reason, and no registered op is
/// neither: a missing rule is a visible gap.
final class DifferentiabilityCoverageTests: XCTestCase {
    static let differentiable = [
        // Elementwise
        "Add", "Sub", "Mul", "Div", "Mod", "Pow", "Sqrt", "Exp", "Log", "Neg", "Abs", "Reciprocal", "Erf", "Min", "Max", "Sum", "Mean",
        "Where", "Cast", "CastLike",
        // Activations
        "Relu", "LeakyRelu", "PRelu", "Elu", "Selu", "Celu", "ThresholdedRelu", "Tanh", "Sigmoid", "HardSigmoid", "HardSwish",
        "Clip", "Softplus", "Softsign", "Mish", "Gelu", "Softmax", "LogSoftmax",
        // Reductions
        "ReduceMean", "ReduceSum", "ReduceSumSquare", "ReduceL2", "ReduceL1", "ReduceMax", "ReduceMin", "ReduceProd",
        "ReduceLogSum", "ReduceLogSumExp",
        // Shape and data movement
        "Identity", "Dropout", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Concat", "Split", "Expand", "Tile",
        "DepthToSpace", "SpaceToDepth",
        // Indexing
        "Slice", "Gather", "GatherElements", "GatherND", "Scatter", "ScatterElements", "ScatterND", "Trilu",
        // Resize and Pad
        "Pad", "Resize", "Upsample",
        // Trigonometry, running sums, selection, sorting
        "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Shrink", "CumSum", "Compress",
        "ReverseSequence", "TopK",
        // Losses
        "NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss",
        // Convolution, pooling, normalisation, matrix products
        "Conv", "ConvTranspose", "BatchNormalization", "InstanceNormalization", "LayerNormalization", "GroupNormalization",
        "MeanVarianceNormalization", "LRN", "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool",
        "MaxUnpool", "MatMul", "Gemm", "Einsum",
        // Sampling; dequantization (with respect to its scale)
        "GridSample", "DequantizeLinear",
    ]

    static let nonDifferentiable = [
        "Shape", "Size", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Xor", "ArgMax", "ArgMin",
        "ConstantOfShape", "Range", "Constant", "IsNaN", "IsInf", "Floor", "Ceil", "Round", "Sign", "NonZero", "OneHot", "EyeLike",
        "BitShift", "Hardmax", "Unique", "QuantizeLinear", "DynamicQuantizeLinear", "QLinearMatMul", "QLinearConv", "ConvInteger",
        "MatMulInteger",
    ]

    let registry = OpRegistry.standard

    func testEveryDifferentiableOpHasARule() {
        let registered = Set(registry.allKeys)
        let unregistered = Self.differentiable.filter { !registered.contains(OpKey("", $0)) }
        XCTAssertEqual(unregistered, [], "listed as differentiable but not registered")
        let missing = Self.differentiable.filter { registry.vjp(domain: "", type: $0) == nil }
        XCTAssertEqual(missing, [], "differentiable ops without a VJP rule")
    }

    func testOpsWithoutGradientsAreDeclared() {
        let registered = Set(registry.allKeys)
        XCTAssertEqual(Self.nonDifferentiable.filter { !registered.contains(OpKey("", $0)) }, [], "not registered")
        XCTAssertEqual(Self.nonDifferentiable.filter { !registry.isNonDifferentiable(domain: "", type: $0) }, [],
                       "not marked non-differentiable")
    }

    /// The registry walk: no allow-list, every op is either differentiable or says why not.
    func testEveryRegisteredOpHasARuleOrAReason() {
        let gaps = registry.allKeys.filter { registry.vjp(domain: $0.domain, type: $0.type) == nil
            && registry.nonDifferentiableReason(domain: $0.domain, type: $0.type) == nil }
        XCTAssertEqual(gaps.map(\.description), [], "ops with neither a VJP rule nor a non-differentiability reason")
        let blank = registry.allKeys.filter { registry.nonDifferentiableReason(domain: $0.domain, type: $0.type)?.isEmpty == true }
        XCTAssertEqual(blank.map(\.description), [], "non-differentiable ops with an empty reason")
    }

    func testNoOpHasARuleAndIsMarkedNonDifferentiable() {
        let both = registry.allKeys.filter { registry.vjp(domain: $0.domain, type: $0.type) != nil
            && registry.isNonDifferentiable(domain: $0.domain, type: $0.type) }
        XCTAssertEqual(both.map(\.description), [])
    }
}
