/// The fused convolution nodes `DNNLBackend.optimize` writes (domain "com.seeing"):
///
///     FusedConv(X, W, B?, Z?)           Conv attributes + post-op attributes
///     FusedConvTranspose(X, W, B?, Z?)  ConvTranspose attributes + post-op attributes
///
/// Semantics: y = Conv(X, W, B) (resp. ConvTranspose), then each post-op in order:
///   - "Add":  y = y + Z (input 3; appears at most once)
///   - "Relu", "LeakyRelu" (alpha), "Tanh", "Sigmoid", "Elu" (alpha), "HardSwish",
///     "Clip" (alpha = min, beta = max): y = op(y)
/// Attributes `post_ops` (strings), `post_op_alphas` and `post_op_betas` (floats, one per
/// post-op; unused values are 0). A folded BatchNormalization is not a post-op: its scale and
/// shift are already in W and B.
struct FusedConv {
    static let domain = OpRegistry.internalDomain
    static let convOp = "FusedConv"
    static let transposeOp = "FusedConvTranspose"
    /// Activations oneDNN applies as eltwise post-ops (HardSigmoid needs two: not fused).
    static let activations: Set<String> = ["Relu", "LeakyRelu", "Tanh", "Sigmoid", "Elu", "HardSwish", "Clip"]

    struct PostOp: Equatable {
        var op: String
        var alpha: Float
        var beta: Float
    }

    static func isFused(_ node: Node) -> Bool {
        node.domain == domain && (node.opType == convOp || node.opType == transposeOp)
    }

    static func isTransposed(_ node: Node) -> Bool {
        node.opType == "ConvTranspose" || node.opType == transposeOp
    }

    /// The post-ops of a fused node (empty for plain Conv/ConvTranspose).
    static func postOps(_ node: Node) -> [PostOp] {
        guard isFused(node), let ops = node.strings("post_ops") else { return [] }
        let a = node.floats("post_op_alphas") ?? [], b = node.floats("post_op_betas") ?? []
        return ops.enumerated().map { i, op in PostOp(op: op, alpha: i < a.count ? a[i] : 0, beta: i < b.count ? b[i] : 0) }
    }

    /// `node` (Conv, ConvTranspose or already fused) with `postOps` as its post-op list.
    static func with(_ node: Node, postOps: [PostOp]) -> Node {
        var n = node
        n.domain = domain
        n.opType = isTransposed(node) ? transposeOp : convOp
        n.attributes["post_ops"] = .strings(postOps.map(\.op))
        n.attributes["post_op_alphas"] = .floats(postOps.map(\.alpha))
        n.attributes["post_op_betas"] = .floats(postOps.map(\.beta))
        return n
    }

    /// The plain ONNX convolution node `node` fuses, without post-op attributes.
    static func convolution(_ node: Node) -> Node {
        var n = node
        n.domain = ""
        n.opType = isTransposed(node) ? "ConvTranspose" : "Conv"
        for k in ["post_ops", "post_op_alphas", "post_op_betas"] { n.attributes[k] = nil }
        n.inputs = Array(n.inputs.prefix(3))
        return n
    }

    /// oneDNN post-ops for `ops`, or nil if one has no oneDNN equivalent.
    static func dnnlPostOps(_ ops: [PostOp]) -> [DNNLPostOp]? {
        var out: [DNNLPostOp] = []
        for p in ops {
            if p.op == "Add" { out.append(.sum); continue }
            guard activations.contains(p.op), let c = DNNLEltwise.chain(op: p.op, (p.alpha, p.beta)) else { return nil }
            out += c.map { .eltwise($0) }
        }
        return out
    }
}
