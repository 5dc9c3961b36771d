import CDNNL

/// What fixes an eltwise backward plan: the function, its parameters and the element count
/// (the data is plain, so a flat vector describes every rank).
struct EltwiseBackwardKey: Equatable {
    let algorithm: UInt32
    let alpha: Float
    let beta: Float
    let count: Int
}

/// An eltwise backward primitive; `usesDst` says whether it reads the function's output
/// (the *_use_dst_for_bwd algorithms) or its input.
final class DNNLEltwiseBackwardPlan {
    let primitive: DNNLPrimitive
    let usesDst: Bool
    let diffDst, value, diffSrc: DNNLMemory

    init(_ key: EltwiseBackwardKey, usesDst: Bool, context: DNNLContext) throws {
        let e = context.engine
        let desc = try DNNLMemoryDesc.plain([key.count])
        var md = desc.raw, diff = desc.raw
        let alg = dnnl_alg_kind_t(rawValue: key.algorithm)
        var fd = dnnl_eltwise_desc_t(), bd = fd
        try dnnlCheck(dnnl_eltwise_forward_desc_init(&fd, dnnl_forward_training, alg, &md, key.alpha, key.beta), "eltwise forward desc")
        let hint = try DNNLHint(opDesc: &fd, engine: e, what: "eltwise")
        try dnnlCheck(dnnl_eltwise_backward_desc_init(&bd, alg, &diff, &md, key.alpha, key.beta), "eltwise backward desc")
        primitive = try DNNLPrimitive(opDesc: &bd, hint: hint.pd, engine: e, what: "eltwise backward")
        self.usesDst = usesDst
        diffDst = try DNNLMemory(desc, engine: e)
        value = try DNNLMemory(desc, engine: e)
        diffSrc = try DNNLMemory(desc, engine: e)
    }
}

extension DNNLBackward {
    /// Activation nodes whose rule runs oneDNN eltwise backward for float32.
    static let standaloneActivations: Set<String> = ["Relu", "LeakyRelu", "Tanh", "Sigmoid", "Elu", "HardSwish"]

    /// The oneDNN function differentiating post-op `p` from its output (`fromOutput`) or its
    /// input, and whether it reads the output; nil when oneDNN has none.
    static func eltwiseBackward(_ p: FusedConv.PostOp, fromOutput: Bool) -> (dnnl_alg_kind_t, Float, Float)? {
        switch (p.op, fromOutput) {
        case ("Relu", true): return (dnnl_eltwise_relu_use_dst_for_bwd, 0, 0)
        case ("Relu", false): return (dnnl_eltwise_relu, 0, 0)
        // The dst variants need alpha >= 0 (the output must tell the sign of the input).
        case ("LeakyRelu", true) where p.alpha >= 0: return (dnnl_eltwise_relu_use_dst_for_bwd, p.alpha, 0)
        case ("LeakyRelu", false): return (dnnl_eltwise_relu, p.alpha, 0)
        case ("Tanh", true): return (dnnl_eltwise_tanh_use_dst_for_bwd, 0, 0)
        case ("Tanh", false): return (dnnl_eltwise_tanh, 0, 0)
        case ("Sigmoid", true): return (dnnl_eltwise_logistic_use_dst_for_bwd, 0, 0)
        case ("Sigmoid", false): return (dnnl_eltwise_logistic, 0, 0)
        case ("Elu", true) where p.alpha >= 0: return (dnnl_eltwise_elu_use_dst_for_bwd, p.alpha, 0)
        case ("Elu", false): return (dnnl_eltwise_elu, p.alpha, 0)
        case ("Clip", true) where p.alpha <= p.beta: return (dnnl_eltwise_clip_v2_use_dst_for_bwd, p.alpha, p.beta)
        case ("Clip", false) where p.alpha <= p.beta: return (dnnl_eltwise_clip_v2, p.alpha, p.beta)
        case ("HardSwish", false): return (dnnl_eltwise_hardswish, 0, 0)
        default: return nil
        }
    }

    /// dL/d(input) of activation `p` by oneDNN, or nil when it does not apply (not float32,
    /// no oneDNN function, rejected).
    func activationGradient(_ p: FusedConv.PostOp, _ g: Tensor, _ value: Tensor, fromOutput: Bool, pool: BufferPool?) throws -> Tensor? {
        guard let g32 = DNNLBackward.float32(g), let v32 = DNNLBackward.float32(value), g.shape == value.shape, g.count > 0,
              let (alg, alpha, beta) = DNNLBackward.eltwiseBackward(p, fromOutput: fromOutput) else { return nil }
        let key = EltwiseBackwardKey(algorithm: alg.rawValue, alpha: alpha, beta: beta, count: g.count)
        guard let plan = eltwisePlans.plan(key, { try DNNLEltwiseBackwardPlan(key, usesDst: fromOutput, context: context) }) else {
            return nil
        }
        let out = outputBuffer(try .plain([g.count]), pool: pool)
        try plan.primitive.execute(context.stream, [
            plan.diffDst.arg(DNNL_ARG_DIFF_DST, g32.storage.data),
            plan.value.arg(plan.usesDst ? DNNL_ARG_DST : DNNL_ARG_SRC, v32.storage.data),
            plan.diffSrc.arg(DNNL_ARG_DIFF_SRC, out.data),
        ])
        noteExecution()
        return Tensor(shape: g.shape, dtype: .float32, storage: out)
    }

    /// [dX] of a standalone activation node, or nil for the reference rule.
    func activationVJP(_ c: VJPContext) throws -> [Tensor?]? {
        let (alpha, beta) = DNNLEltwise.attributeParameters(c.node, opset: c.opset)
        let p = FusedConv.PostOp(op: c.node.opType, alpha: alpha, beta: beta)
        let fromOutput = FusedConvVJP.derivableFromOutput([p])
        guard let value = fromOutput ? (c.outputs.first ?? nil) : c.inputs.optional(0) else { return nil }
        return try activationGradient(p, try c.outputGrad(0), value, fromOutput: fromOutput, pool: c.pool).map { [$0] }
    }
}
