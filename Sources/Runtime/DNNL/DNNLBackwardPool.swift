import CDNNL

/// What fixes a pooling backward plan, in oneDNN's terms.
struct PoolBackwardKey: Equatable {
    let algorithm: UInt32
    let input: [Int]
    let output: [Int]
    let kernel, strides, dilations, padL, padR: [Int]

    /// The oneDNN pooling equivalent to `node` on `input`, or nil when there is none.
    init?(node: Node, input: [Int]) {
        let rank = input.count - 2
        guard (1...3).contains(rank) else { return nil }
        let spatial = Array(input[2...])
        self.input = input
        switch node.opType {
        case "GlobalAveragePool", "GlobalMaxPool":
            algorithm = (node.opType == "GlobalMaxPool" ? dnnl_pooling_max : dnnl_pooling_avg_exclude_padding).rawValue
            output = Array(input[0..<2]) + [Int](repeating: 1, count: rank)
            kernel = spatial
            strides = [Int](repeating: 1, count: rank)
            dilations = [Int](repeating: 0, count: rank)
            padL = dilations
            padR = dilations
        default:
            guard let g = try? PoolGeometry(node: node, input: input) else { return nil }
            let includePad = node.opType == "AveragePool" && node.int("count_include_pad", default: 0) != 0
            // As in DNNLPoolKernel: ceil_mode windows past the end padding extend padR, which
            // oneDNN would count with count_include_pad (ONNX does not).
            let r = (0..<rank).map { max(g.padsEnd[$0], (g.outputSpatial[$0] - 1) * g.strides[$0] + g.dilatedKernel($0) - spatial[$0] - g.padsBegin[$0]) }
            if includePad && r != g.padsEnd { return nil }
            algorithm = (node.opType == "MaxPool" ? dnnl_pooling_max
                : includePad ? dnnl_pooling_avg_include_padding : dnnl_pooling_avg_exclude_padding).rawValue
            output = g.outputShape
            kernel = g.kernel
            strides = g.strides
            dilations = g.dilations.map { $0 - 1 }
            padL = g.padsBegin
            padR = r
        }
    }

    var isMax: Bool { algorithm == dnnl_pooling_max.rawValue }
}

/// Pooling backward on plain data; max pooling first reruns the forward pass (training
/// mode) for the workspace recording each window's selected element.
final class DNNLPoolBackwardPlan {
    let forward: DNNLPrimitive?
    let backward: DNNLPrimitive
    let workspaceDesc: DNNLMemoryDesc?
    let src, dst, workspace, diffDst, diffSrc: DNNLMemory

    init(_ key: PoolBackwardKey, context: DNNLContext) throws {
        let e = context.engine
        let x = try DNNLMemoryDesc.plain(key.input), y = try DNNLMemoryDesc.plain(key.output)
        var xd = x.raw, yd = y.raw
        let alg = dnnl_alg_kind_t(rawValue: key.algorithm)
        let i64 = { (v: [Int]) in v.map(Int64.init) }
        var fd = dnnl_pooling_v2_desc_t(), bd = fd
        try dnnlCheck(dnnl_pooling_v2_forward_desc_init(&fd, dnnl_forward_training, alg, &xd, &yd, i64(key.strides), i64(key.kernel),
                                                        i64(key.dilations), i64(key.padL), i64(key.padR)), "pooling forward desc")
        try dnnlCheck(dnnl_pooling_v2_backward_desc_init(&bd, alg, &xd, &yd, i64(key.strides), i64(key.kernel),
                                                         i64(key.dilations), i64(key.padL), i64(key.padR)), "pooling backward desc")
        let hint: dnnl_primitive_desc_t
        let keepHint: DNNLHint?
        if key.isMax {
            let f = try DNNLPrimitive(opDesc: &fd, engine: e, what: "pooling forward (training)")
            forward = f
            workspaceDesc = try f.md(dnnl_query_workspace_md)
            hint = f.pd
            keepHint = nil
        } else {
            let h = try DNNLHint(opDesc: &fd, engine: e, what: "pooling")
            forward = nil
            workspaceDesc = nil
            hint = h.pd
            keepHint = h
        }
        backward = try withExtendedLifetime(keepHint) {
            try DNNLPrimitive(opDesc: &bd, hint: hint, engine: e, what: "pooling backward")
        }
        src = try DNNLMemory(x, engine: e)
        dst = try DNNLMemory(y, engine: e)
        workspace = try DNNLMemory(workspaceDesc ?? y, engine: e)
        diffDst = try DNNLMemory(y, engine: e)
        diffSrc = try DNNLMemory(x, engine: e)
    }
}

extension DNNLBackward {
    /// [dX] of a pooling node, or nil for the reference rule.
    func poolingVJP(_ c: VJPContext) throws -> [Tensor?]? {
        guard let x = DNNLBackward.float32(c.inputs.optional(0)), x.count > 0,
              let key = PoolBackwardKey(node: c.node, input: x.shape) else { return nil }
        let dy = try c.outputGrad(0)
        guard dy.shape == key.output, let g = DNNLBackward.float32(dy),
              let plan = poolingPlans.plan(key, { try DNNLPoolBackwardPlan(key, context: context) }) else { return nil }
        var temporaries: [TensorStorage] = []
        defer { if let pool = c.pool { temporaries.forEach(pool.give) } }
        var args = [try plan.diffDst.arg(DNNL_ARG_DIFF_DST, g.storage.data)]
        if let forward = plan.forward, let wsDesc = plan.workspaceDesc {
            let y = outputBuffer(try .plain(key.output), pool: c.pool)
            let ws = outputBuffer(wsDesc, pool: c.pool)
            temporaries += [y, ws]
            try forward.execute(context.stream, [
                plan.src.arg(DNNL_ARG_SRC, x.storage.data),
                plan.dst.arg(DNNL_ARG_DST, y.data),
                plan.workspace.arg(DNNL_ARG_WORKSPACE, ws.data),
            ])
            args.append(try plan.workspace.arg(DNNL_ARG_WORKSPACE, ws.data))
        }
        let dx = Tensor(shape: x.shape, dtype: .float32, storage: outputBuffer(try .plain(x.shape), pool: c.pool))
        args.append(try plan.diffSrc.arg(DNNL_ARG_DIFF_SRC, dx.storage.data))
        try plan.backward.execute(context.stream, args)
        noteExecution()
        return [dx]
    }
}
