import CDNNL

/// A oneDNN batch normalization primitive over one data layout with per-channel scale and
/// shift; `globalStats` reads mean/variance inputs, otherwise it computes them from the data.
private struct BatchNormPlan {
    let primitive: DNNLPrimitive
    let src, dst, scale, shift: DNNLMemory
    let mean, variance: DNNLMemory?

    init(desc: DNNLMemoryDesc, channels: Int, epsilon: Float, globalStats: Bool, engine: DNNLEngine) throws {
        var od = dnnl_batch_normalization_desc_t()
        var md = desc.raw
        var flags = dnnl_use_scale.rawValue | dnnl_use_shift.rawValue
        if globalStats { flags |= dnnl_use_global_stats.rawValue }
        try dnnlCheck(dnnl_batch_normalization_forward_desc_init(&od, dnnl_forward_inference, &md, epsilon, flags),
                      "dnnl_batch_normalization_forward_desc_init(\(desc.dims))")
        primitive = try DNNLPrimitive(opDesc: &od, engine: engine, what: "batch normalization")
        src = try DNNLMemory(desc, engine: engine)
        dst = try DNNLMemory(desc, engine: engine)
        let vector = try DNNLMemoryDesc.plain([channels])
        scale = try DNNLMemory(vector, engine: engine)
        shift = try DNNLMemory(vector, engine: engine)
        mean = globalStats ? try DNNLMemory(vector, engine: engine) : nil
        variance = globalStats ? try DNNLMemory(vector, engine: engine) : nil
    }
}

/// Per-channel float32 parameter vectors of length `channels`, or nil (reference fallback).
private func channelVectors(_ ts: [Tensor?], channels: Int) -> [Tensor]? {
    var out: [Tensor] = []
    for t in ts {
        guard let t, t.dtype == .float32, t.count == channels else { return nil }
        out.append(t.plain())
    }
    return out
}

/// BatchNormalization in inference mode (running statistics), any dnnl layout.
final class DNNLBatchNormKernel: DNNLKernel {
    private var plans = DNNLPlanCache<BatchNormPlan>()

    /// nil for training mode, `spatial = 0` (opset < 9) or extra outputs.
    static func supports(_ node: Node, opset: Int) -> Bool {
        if node.outputs.dropFirst().contains(where: { !$0.isEmpty }) { return false }
        if opset < 9 && node.int("spatial", default: 1) == 0 { return false }
        return node.int("training_mode", default: 0) == 0
    }

    override func run(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> [Tensor] {
        let x = context.native(try inputs.required(0))
        guard x.dtype == .float32, (2...5).contains(x.rank), x.count > 0,
              let p = channelVectors((1...4).map { inputs.optional($0) }, channels: x.shape[1]) else {
            return try runReference(inputs, ctx)
        }
        let desc = try context.desc(of: x)
        let eps = node.float("epsilon", default: 1e-5)
        let plan = try plans.find([desc]) ?? {
            let p = try BatchNormPlan(desc: desc, channels: x.shape[1], epsilon: eps, globalStats: true, engine: context.engine)
            plans.insert(p, for: [desc])
            return p
        }()
        let y = context.allocate(x.shape, desc, layout: x.layout as? DNNLLayout, pool: ctx.pool)
        try plan.primitive.execute(context.stream, [
            plan.src.arg(DNNL_ARG_SRC, x.storage.data),
            plan.dst.arg(DNNL_ARG_DST, y.storage.data),
            plan.scale.arg(DNNL_ARG_SCALE, p[0].storage.data),
            plan.shift.arg(DNNL_ARG_SHIFT, p[1].storage.data),
            plan.mean!.arg(DNNL_ARG_MEAN, p[2].storage.data),
            plan.variance!.arg(DNNL_ARG_VARIANCE, p[3].storage.data),
        ])
        return [y]
    }
}

/// InstanceNormalization: batch normalization with batch statistics, run on each sample
/// separately (one sample's statistics per channel are exactly the instance statistics).
final class DNNLInstanceNormKernel: DNNLKernel {
    private var plans = DNNLPlanCache<(plan: BatchNormPlan, sampleBytes: Int)>()

    override func run(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> [Tensor] {
        var x = context.native(try inputs.required(0))
        guard x.dtype == .float32, (3...5).contains(x.rank), x.count > 0,
              let p = channelVectors([inputs.optional(1), inputs.optional(2)], channels: x.shape[1]) else {
            return try runReference(inputs, ctx)
        }
        var desc = try context.desc(of: x)
        if desc.singleSample == nil {
            x = x.plain()
            desc = try DNNLMemoryDesc.plain(x.shape)
        }
        guard let sample = desc.singleSample else { return try runReference(inputs, ctx) }
        let eps = node.float("epsilon", default: 1e-5)
        let entry = try plans.find([desc]) ?? {
            let p = try BatchNormPlan(desc: sample.desc, channels: x.shape[1], epsilon: eps, globalStats: false,
                                      engine: context.engine)
            let e = (plan: p, sampleBytes: sample.sampleStride * MemoryLayout<Float>.size)
            plans.insert(e, for: [desc])
            return e
        }()
        let y = context.allocate(x.shape, desc, layout: x.layout as? DNNLLayout, pool: ctx.pool)
        let plan = entry.plan
        for n in 0..<x.shape[0] {
            let offset = n * entry.sampleBytes
            try plan.primitive.execute(context.stream, [
                plan.src.arg(DNNL_ARG_SRC, x.storage.data + offset),
                plan.dst.arg(DNNL_ARG_DST, y.storage.data + offset),
                plan.scale.arg(DNNL_ARG_SCALE, p[0].storage.data),
                plan.shift.arg(DNNL_ARG_SHIFT, p[1].storage.data),
            ])
        }
        return [y]
    }
}
