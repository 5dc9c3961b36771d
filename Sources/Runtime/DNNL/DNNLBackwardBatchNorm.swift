import CDNNL

/// What fixes a batch normalization backward plan.
struct BatchNormBackwardKey: Equatable {
    let shape: [Int]
    let epsilon: Float
    let training: Bool
}

/// Batch normalization backward (scale and shift gradients too) on plain data. Training mode
/// runs the forward primitive first for the batch statistics the backward pass reads.
final class DNNLBatchNormBackwardPlan {
    let forward: DNNLPrimitive?
    let backward: DNNLPrimitive
    let src, dst, diffDst, diffSrc, scale, shift, mean, variance, diffScale, diffShift: DNNLMemory

    init(_ key: BatchNormBackwardKey, context: DNNLContext) throws {
        let e = context.engine
        let desc = try DNNLMemoryDesc.plain(key.shape)
        var md = desc.raw, diff = desc.raw
        var flags = dnnl_use_scale.rawValue | dnnl_use_shift.rawValue
        if !key.training { flags |= dnnl_use_global_stats.rawValue }
        var fd = dnnl_batch_normalization_desc_t(), bd = fd
        try dnnlCheck(dnnl_batch_normalization_forward_desc_init(&fd, dnnl_forward_training, &md, key.epsilon, flags),
                      "batch normalization forward desc")
        try dnnlCheck(dnnl_batch_normalization_backward_desc_init(&bd, dnnl_backward, &diff, &md, key.epsilon, flags),
                      "batch normalization backward desc")
        let f = try DNNLPrimitive(opDesc: &fd, engine: e, what: "batch normalization forward (training)")
        forward = key.training ? f : nil
        backward = try DNNLPrimitive(opDesc: &bd, hint: f.pd, engine: e, what: "batch normalization backward")
        src = try DNNLMemory(desc, engine: e)
        dst = try DNNLMemory(desc, engine: e)
        diffDst = try DNNLMemory(desc, engine: e)
        diffSrc = try DNNLMemory(desc, engine: e)
        let vector = try DNNLMemoryDesc.plain([key.shape[1]])
        scale = try DNNLMemory(vector, engine: e)
        shift = try DNNLMemory(vector, engine: e)
        mean = try DNNLMemory(vector, engine: e)
        variance = try DNNLMemory(vector, engine: e)
        diffScale = try DNNLMemory(vector, engine: e)
        diffShift = try DNNLMemory(vector, engine: e)
    }
}

extension DNNLBackward {
    /// [dX, dScale, dB, dMean, dVar] of a BatchNormalization node, or nil for the reference
    /// rule (other types, opset 7–8 spatial = 0, gradients reaching the statistics outputs).
    func batchNormVJP(_ c: VJPContext) throws -> [Tensor?]? {
        guard let x = DNNLBackward.float32(c.inputs.optional(0)), (2...5).contains(x.rank), x.count > 0,
              c.opset >= 9 || c.node.int("spatial", default: 1) != 0 else { return nil }
        let channels = x.shape[1]
        var p: [Tensor] = []
        for i in 1...4 {
            guard let t = DNNLBackward.float32(c.inputs.optional(i)), t.count == channels else { return nil }
            p.append(t)
        }
        let training = BatchNormMode.training(c.node, opset: c.opset)
        if training && c.outputGrads.dropFirst().contains(where: { $0 != nil }) { return nil }
        let dy = try c.outputGrad(0)
        guard let g = DNNLBackward.float32(dy), dy.shape == x.shape else { return nil }
        let key = BatchNormBackwardKey(shape: x.shape, epsilon: c.node.float("epsilon", default: 1e-5), training: training)
        guard let plan = batchNormPlans.plan(key, { try DNNLBatchNormBackwardPlan(key, context: context) }) else { return nil }

        var mean = p[2], variance = p[3]
        if let forward = plan.forward {
            mean = Tensor(zeros: [channels])
            variance = Tensor(zeros: [channels])
            let y = outputBuffer(try .plain(x.shape), pool: c.pool)
            defer { c.pool?.give(y) }
            try forward.execute(context.stream, [
                plan.src.arg(DNNL_ARG_SRC, x.storage.data),
                plan.dst.arg(DNNL_ARG_DST, y.data),
                plan.scale.arg(DNNL_ARG_SCALE, p[0].storage.data),
                plan.shift.arg(DNNL_ARG_SHIFT, p[1].storage.data),
                plan.mean.arg(DNNL_ARG_MEAN, mean.storage.data),
                plan.variance.arg(DNNL_ARG_VARIANCE, variance.storage.data),
            ])
        }
        let dx = Tensor(shape: x.shape, dtype: .float32, storage: outputBuffer(try .plain(x.shape), pool: c.pool))
        let dScale = Tensor(zeros: [channels]), dShift = Tensor(zeros: [channels])
        try plan.backward.execute(context.stream, [
            plan.src.arg(DNNL_ARG_SRC, x.storage.data),
            plan.mean.arg(DNNL_ARG_MEAN, mean.storage.data),
            plan.variance.arg(DNNL_ARG_VARIANCE, variance.storage.data),
            plan.diffDst.arg(DNNL_ARG_DIFF_DST, g.storage.data),
            plan.scale.arg(DNNL_ARG_SCALE, p[0].storage.data),
            plan.shift.arg(DNNL_ARG_SHIFT, p[1].storage.data),
            plan.diffSrc.arg(DNNL_ARG_DIFF_SRC, dx.storage.data),
            plan.diffScale.arg(DNNL_ARG_DIFF_SCALE, dScale.storage.data),
            plan.diffShift.arg(DNNL_ARG_DIFF_SHIFT, dShift.storage.data),
        ])
        noteExecution()
        func like(_ i: Int, _ t: Tensor) -> Tensor? {
            guard c.needs(i), let input = c.inputs.optional(i) else { return nil }
            return t.reshaped(input.shape)
        }
        var grads: [Tensor?] = [c.needs(0) ? dx : nil, like(1, dScale), like(2, dShift), nil, nil]
        if !training && (c.needs(3) || c.needs(4)) {
            // With given statistics: dScale = Σ dy·(x − μ)·s and dB = Σ dy, s = 1/√(σ² + ε), so
            // dμ = −γ·s·dB and dσ² = −½·γ·s²·dScale.
            let gamma = p[0].floats, v = p[3].floats, ds = dScale.floats, db = dShift.floats
            let eps = Double(key.epsilon)
            var dm = [Float](repeating: 0, count: channels), dv = dm
            for ch in 0..<channels {
                let s = 1 / (Double(v[ch]) + eps).squareRoot()
                dm[ch] = Float(-Double(gamma[ch]) * s * Double(db[ch]))
                dv[ch] = Float(-0.5 * Double(gamma[ch]) * s * s * Double(ds[ch]))
            }
            grads[3] = like(3, Tensor(shape: [channels], floats: dm))
            grads[4] = like(4, Tensor(shape: [channels], floats: dv))
        }
        return grads
    }
}
