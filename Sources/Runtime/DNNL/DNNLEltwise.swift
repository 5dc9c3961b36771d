import CDNNL

/// One elementwise function in oneDNN's terms, dst = f(src; alpha, beta): a standalone
/// eltwise primitive or a convolution post-op.
struct DNNLEltwise: CustomStringConvertible {
    let algorithm: dnnl_alg_kind_t
    let alpha: Float
    let beta: Float

    var description: String { "alg 0x\(String(algorithm.rawValue, radix: 16)) α=\(alpha) β=\(beta)" }

    /// ONNX ops computed by oneDNN eltwise functions. Not Log: oneDNN 2.6's approximation is
    /// off by ~1.4e-6 near 1 (log(1) gives -1.43e-6), outside ONNX's absolute tolerance.
    static let onnxOps: Set<String> = [
        "Relu", "LeakyRelu", "Tanh", "Sigmoid", "Elu", "Clip", "HardSwish", "HardSigmoid", "Exp", "Sqrt", "Abs",
    ]

    /// The oneDNN functions computing ONNX `op` with its resolved parameters `p` (LeakyRelu
    /// and Elu: alpha; HardSigmoid: alpha, beta; Clip: min, max). HardSigmoid needs two.
    static func chain(op: String, _ p: (Float, Float)) -> [DNNLEltwise]? {
        switch op {
        case "Relu": return [DNNLEltwise(algorithm: dnnl_eltwise_relu, alpha: 0, beta: 0)]
        case "LeakyRelu": return [DNNLEltwise(algorithm: dnnl_eltwise_relu, alpha: p.0, beta: 0)]
        case "Tanh": return [DNNLEltwise(algorithm: dnnl_eltwise_tanh, alpha: 0, beta: 0)]
        case "Sigmoid": return [DNNLEltwise(algorithm: dnnl_eltwise_logistic, alpha: 0, beta: 0)]
        case "Elu": return [DNNLEltwise(algorithm: dnnl_eltwise_elu, alpha: p.0, beta: 0)]
        // clip_v2 is min(max(x, alpha), beta), ONNX's Clip when min <= max.
        case "Clip": return [DNNLEltwise(algorithm: dnnl_eltwise_clip_v2, alpha: p.0, beta: p.1)]
        // oneDNN 2.6 hardswish is x·relu6(x+3)/6: ONNX HardSwish (alpha 1/6, beta 1/2).
        case "HardSwish": return [DNNLEltwise(algorithm: dnnl_eltwise_hardswish, alpha: 0, beta: 0)]
        case "HardSigmoid": return [DNNLEltwise(algorithm: dnnl_eltwise_linear, alpha: p.0, beta: p.1),
                                    DNNLEltwise(algorithm: dnnl_eltwise_clip_v2, alpha: 0, beta: 1)]
        case "Exp": return [DNNLEltwise(algorithm: dnnl_eltwise_exp, alpha: 0, beta: 0)]
        case "Sqrt": return [DNNLEltwise(algorithm: dnnl_eltwise_sqrt, alpha: 0, beta: 0)]
        case "Abs": return [DNNLEltwise(algorithm: dnnl_eltwise_abs, alpha: 0, beta: 0)]
        default: return nil
        }
    }

    /// The parameters of an activation node that come from attributes (Clip's from its
    /// attributes before opset 11; from opset 11 `clipBounds` reads them from its inputs).
    static func attributeParameters(_ node: Node, opset: Int) -> (Float, Float) {
        switch node.opType {
        case "LeakyRelu": return (node.float("alpha", default: 0.01), 0)
        case "Elu": return (node.float("alpha", default: 1), 0)
        case "HardSigmoid": return (node.float("alpha", default: 0.2), node.float("beta", default: 0.5))
        case "Clip" where opset < 11:
            return (node.float("min", default: -Float.greatestFiniteMagnitude),
                    node.float("max", default: Float.greatestFiniteMagnitude))
        default: return (0, 0)
        }
    }

    /// Clip (opset >= 11) bounds from its optional scalar `min`/`max` inputs; nil when one is
    /// not a float32 scalar (the reference kernel reports that).
    static func clipBounds(min: Tensor?, max: Tensor?) -> (Float, Float)? {
        func scalar(_ t: Tensor?, _ absent: Float) -> Float? {
            guard let t else { return absent }
            guard t.dtype == .float32, t.count == 1 else { return nil }
            return t.plain().withUnsafeBufferPointer(as: Float.self) { $0[0] }
        }
        guard let lo = scalar(min, -.infinity), let hi = scalar(max, .infinity) else { return nil }
        return (lo, hi)
    }
}

/// A post-op: accumulate the destination's previous contents, an eltwise function, or add
/// a (broadcast) tensor given at execution as `DNNLPostOp.binaryArgument(index)`.
enum DNNLPostOp {
    case sum
    case eltwise(DNNLEltwise)
    case binaryAdd(DNNLMemoryDesc)

    /// The execution argument of the binary post-op at `index` in the chain
    /// (DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | DNNL_ARG_SRC_1; the macro does not import).
    static func binaryArgument(_ index: Int) -> Int32 {
        Int32(DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE) * Int32(index + 1) | DNNL_ARG_SRC_1
    }
}
