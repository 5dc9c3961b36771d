import CDNNL

/// What fixes a convolution backward plan.
struct ConvBackwardKey: Equatable {
    let geometry: ConvGeometry
    let hasBias: Bool
}

/// Backward data and backward weights (with bias) primitives of one Conv/ConvTranspose
/// configuration, in the layouts oneDNN prefers; plain inputs are reordered in and the
/// gradients reordered back to ONNX layouts.
final class DNNLConvBackwardPlan {
    let geometry: ConvGeometry
    let data: DNNLPrimitive
    let weights: DNNLPrimitive
    /// ONNX-side layouts: plain x, dY, dX; the weights as ONNX stores them.
    let plainX, plainY, userWeights: DNNLMemoryDesc
    /// Layouts the primitives chose.
    let dataDiffDst, dataWeights, dataDiffSrc: DNNLMemoryDesc
    let weightsSrc, weightsDiffDst, weightsDiffWeights: DNNLMemoryDesc
    let diffDst, weightsArg, diffSrc, src, diffDst2, diffWeights, diffBias: DNNLMemory
    /// Constant weights already in `dataWeights`, by their source storage (held, so its identity
    /// cannot be reused): a fused node's folded weights never change, and reordering megabytes
    /// of them on every backward pass cost as much as the convolution itself.
    var constantWeights: [(source: TensorStorage, converted: Tensor)] = []

    init(_ g: ConvGeometry, hasBias: Bool, context: DNNLContext) throws {
        geometry = g
        let e = context.engine
        let transposed = g.transposed
        // oneDNN weights are [G, O/G, I/G, k…] (no G without groups): ONNX Conv weights in
        // row-major order; ConvTranspose weights are [I, O/G, k…] in memory (as in the forward kernel).
        let (o, i) = (g.outChannelsPerGroup, g.inChannelsPerGroup)
        let kSize = g.kernelSize
        let wDims = (g.group > 1 ? [g.group] : []) + [o, i] + g.kernel
        if transposed {
            let gs = g.group > 1 ? [i * o * kSize] : []
            userWeights = try .strided(wDims, strides: gs + [kSize, o * kSize] + Tensor.strides(of: g.kernel))
        } else {
            userWeights = try .plain(wDims)
        }
        plainX = try .plain(g.inputShape)
        plainY = try .plain(g.outputShape)
        var src = try DNNLMemoryDesc.any(g.inputShape).raw
        var wei = try DNNLMemoryDesc.any(wDims).raw
        var bias = hasBias ? try DNNLMemoryDesc.plain([g.outChannels]).raw : dnnl_memory_desc_t()
        var dst = try DNNLMemoryDesc.any(g.outputShape).raw
        let strides = g.strides.map(Int64.init)
        let dilates = g.dilations.map { Int64($0 - 1) }
        let padL = g.padsBegin.map(Int64.init)
        // See DNNLConvKernel: ConvTranspose's output_padding / output_shape become the end padding.
        let padR = transposed
            ? (0..<g.spatialRank).map { Int64((g.inputSpatial[$0] - 1) * g.strides[$0] + g.dilatedKernel($0) - g.padsBegin[$0] - g.outputSpatial[$0]) }
            : g.padsEnd.map(Int64.init)
        let what = transposed ? "deconvolution" : "convolution"
        let hint: DNNLHint
        if transposed {
            var fd = dnnl_deconvolution_desc_t(), bd = fd, bw = fd
            try dnnlCheck(dnnl_dilated_deconvolution_forward_desc_init(&fd, dnnl_forward_training, dnnl_deconvolution_direct,
                                                                       &src, &wei, &bias, &dst, strides, dilates, padL, padR), "\(what) forward desc")
            hint = try DNNLHint(opDesc: &fd, engine: e, what: what)
            try dnnlCheck(dnnl_dilated_deconvolution_backward_data_desc_init(&bd, dnnl_deconvolution_direct, &src, &wei, &dst,
                                                                             strides, dilates, padL, padR), "\(what) backward data desc")
            try dnnlCheck(dnnl_dilated_deconvolution_backward_weights_desc_init(&bw, dnnl_deconvolution_direct, &src, &wei, &bias, &dst,
                                                                                strides, dilates, padL, padR), "\(what) backward weights desc")
            data = try DNNLPrimitive(opDesc: &bd, hint: hint.pd, engine: e, what: "\(what) backward data")
            weights = try DNNLPrimitive(opDesc: &bw, hint: hint.pd, engine: e, what: "\(what) backward weights")
        } else {
            var fd = dnnl_convolution_desc_t(), bd = fd, bw = fd
            try dnnlCheck(dnnl_dilated_convolution_forward_desc_init(&fd, dnnl_forward_training, dnnl_convolution_direct,
                                                                     &src, &wei, &bias, &dst, strides, dilates, padL, padR), "\(what) forward desc")
            hint = try DNNLHint(opDesc: &fd, engine: e, what: what)
            try dnnlCheck(dnnl_dilated_convolution_backward_data_desc_init(&bd, dnnl_convolution_direct, &src, &wei, &dst,
                                                                           strides, dilates, padL, padR), "\(what) backward data desc")
            try dnnlCheck(dnnl_dilated_convolution_backward_weights_desc_init(&bw, dnnl_convolution_direct, &src, &wei, &bias, &dst,
                                                                              strides, dilates, padL, padR), "\(what) backward weights desc")
            data = try DNNLPrimitive(opDesc: &bd, hint: hint.pd, engine: e, what: "\(what) backward data")
            weights = try DNNLPrimitive(opDesc: &bw, hint: hint.pd, engine: e, what: "\(what) backward weights")
        }
        dataDiffDst = try data.md(dnnl_query_diff_dst_md)
        dataWeights = try data.md(dnnl_query_weights_md)
        dataDiffSrc = try data.md(dnnl_query_diff_src_md)
        weightsSrc = try weights.md(dnnl_query_src_md)
        weightsDiffDst = try weights.md(dnnl_query_diff_dst_md)
        weightsDiffWeights = try weights.md(dnnl_query_diff_weights_md)
        diffDst = try DNNLMemory(dataDiffDst, engine: e)
        weightsArg = try DNNLMemory(dataWeights, engine: e)
        diffSrc = try DNNLMemory(dataDiffSrc, engine: e)
        self.src = try DNNLMemory(weightsSrc, engine: e)
        diffDst2 = try DNNLMemory(weightsDiffDst, engine: e)
        diffWeights = try DNNLMemory(weightsDiffWeights, engine: e)
        diffBias = try DNNLMemory(try .plain([g.outChannels]), engine: e)
    }
}

extension DNNLBackward {
    /// [dX, dW, dB] of a Conv/ConvTranspose node (or a fused node's convolution).
    /// `constantWeights`: the weight input is a constant of the session (a fused node's folded
    /// weights), so its reordered copy is kept between runs.
    func convolutionVJP(_ c: VJPContext, transposed: Bool, constantWeights: Bool = false) throws -> [Tensor?] {
        let x = try c.inputs.required(0), w = try c.inputs.required(1, "weight")
        let b = c.inputs.optional(2)
        let geo = try ConvGeometry(node: c.node, input: x.shape, weight: w.shape, transposed: transposed)
        let dy = try c.outputGrad(0)
        let wantB = c.needs(2) && b != nil
        if let x32 = DNNLBackward.float32(x), let w32 = DNNLBackward.float32(w), let dy32 = DNNLBackward.float32(dy),
           b.map({ $0.dtype == .float32 }) ?? true, (3...5).contains(x.rank), x.count > 0, dy.shape == geo.outputShape,
           let plan = convolutionPlans.plan(ConvBackwardKey(geometry: geo, hasBias: wantB), {
               try DNNLConvBackwardPlan(geo, hasBias: wantB, context: context)
           }) {
            let g = try convolutionGradients(plan, x32, w32, dy32, wantX: c.needs(0), wantW: c.needs(1), wantB: wantB,
                                             constantWeights: constantWeights, pool: c.pool)
            return [g.x, g.w, g.b]
        }
        noteFallback()
        return try Runtime.convolutionVJP(c, transposed: transposed)
    }

    func convolutionGradients(_ plan: DNNLConvBackwardPlan, _ x: Tensor, _ w: Tensor, _ dy: Tensor,
                              wantX: Bool, wantW: Bool, wantB: Bool, constantWeights: Bool = false,
                              pool: BufferPool?) throws -> ConvGradients {
        var result = ConvGradients()
        let g = plan.geometry
        if wantX {
            let d = try context.converted(dy, to: plan.dataDiffDst, pool: pool)
            let wt = constantWeights ? try cachedWeights(plan, w) : try converted(w, from: plan.userWeights, to: plan.dataWeights, pool: pool)
            let out = outputBuffer(plan.dataDiffSrc, pool: pool)
            try plan.data.execute(context.stream, [
                plan.diffDst.arg(DNNL_ARG_DIFF_DST, d.storage.data),
                plan.weightsArg.arg(DNNL_ARG_WEIGHTS, wt.storage.data),
                plan.diffSrc.arg(DNNL_ARG_DIFF_SRC, out.data),
            ])
            noteExecution()
            result.x = plainResult(out, plan.dataDiffSrc, g.inputShape, pool: pool)
        }
        if wantW || wantB {
            let s = try context.converted(x, to: plan.weightsSrc, pool: pool)
            let d = try context.converted(dy, to: plan.weightsDiffDst, pool: pool)
            let dw = outputBuffer(plan.weightsDiffWeights, pool: pool)
            var args = [
                try plan.src.arg(DNNL_ARG_SRC, s.storage.data),
                try plan.diffDst2.arg(DNNL_ARG_DIFF_DST, d.storage.data),
                try plan.diffWeights.arg(DNNL_ARG_DIFF_WEIGHTS, dw.data),
            ]
            let db = wantB ? Tensor(zeros: [g.outChannels]) : nil
            if let db { args.append(try plan.diffBias.arg(DNNL_ARG_DIFF_BIAS, db.storage.data)) }
            try plan.weights.execute(context.stream, args)
            noteExecution()
            result.b = db
            if wantW {
                // Back into the ONNX weight layout.
                let onnx = Tensor(zeros: w.shape)
                try context.reorder(Tensor(shape: w.shape, dtype: .float32, storage: dw, layout: DNNLLayout(plan.weightsDiffWeights, context: context)),
                                    from: plan.weightsDiffWeights, to: plan.userWeights, into: onnx.storage.data, countsAsActivation: false)
                result.w = onnx
                pool?.give(dw)
            }
        }
        return result
    }

    /// Constant weights `w` in the backward-data layout, reordered once per weight tensor.
    private func cachedWeights(_ plan: DNNLConvBackwardPlan, _ w: Tensor) throws -> Tensor {
        if let hit = plan.constantWeights.first(where: { $0.source === w.storage }) { return hit.converted }
        let converted = try converted(w, from: plan.userWeights, to: plan.dataWeights, pool: nil)
        if plan.constantWeights.count >= 8 { plan.constantWeights.removeFirst() }
        plan.constantWeights.append((w.storage, converted))
        return converted
    }

    /// `t`, whose bytes are laid out as `from`, in layout `to`.
    private func converted(_ t: Tensor, from: DNNLMemoryDesc, to: DNNLMemoryDesc, pool: BufferPool?) throws -> Tensor {
        if from == to { return t }
        let out = context.allocate(t.shape, to, layout: context.layout(for: to), pool: pool)
        try context.reorder(t, from: from, to: to, into: out.storage.data, countsAsActivation: false)
        return out
    }
}
