import CDNNL

/// Conv and ConvTranspose (1-3 spatial dims, groups, dilations, strides, pads/auto_pad,
/// output_padding/output_shape, bias), also fused with post-ops (`FusedConv`). The primitive
/// picks its layouts; inputs are reordered only when they are in another one, constant
/// weights are reordered once per plan, and the output stays in the primitive's layout.
final class DNNLConvKernel: DNNLKernel {
    private let transposed: Bool
    private let postOps: [FusedConv.PostOp]
    private let dnnlPostOps: [DNNLPostOp]
    private let hasSum: Bool
    /// Weights (and bias) are initializers or Constant outputs: reorder them once per plan.
    private let constantWeights: Bool
    private var plans = DNNLPlanCache<Plan?>()
    private var gemmPlans = DNNLPlanCache<GemmDeconvolution?>()
    private var unfused: (conv: UnfusedStep, steps: [UnfusedStep])?

    private final class Plan {
        let geometry: ConvGeometry
        let primitive: DNNLPrimitive
        let srcDesc, userWeightsDesc, weightsDesc, dstDesc: DNNLMemoryDesc
        let src, weights, bias, dst: DNNLMemory
        let outputLayout: DNNLLayout?
        /// The weights in `weightsDesc` when they are constant (filled on first run).
        var reorderedWeights: TensorStorage?
        let implementation: String

        init(geometry: ConvGeometry, primitive: DNNLPrimitive, userWeightsDesc: DNNLMemoryDesc, context: DNNLContext) throws {
            self.geometry = geometry
            self.primitive = primitive
            srcDesc = try primitive.md(dnnl_query_src_md)
            weightsDesc = try primitive.md(dnnl_query_weights_md)
            dstDesc = try primitive.md(dnnl_query_dst_md)
            self.userWeightsDesc = userWeightsDesc
            let e = context.engine
            src = try DNNLMemory(srcDesc, engine: e)
            weights = try DNNLMemory(weightsDesc, engine: e)
            bias = try DNNLMemory(try DNNLMemoryDesc.plain([geometry.outChannels]), engine: e)
            dst = try DNNLMemory(dstDesc, engine: e)
            outputLayout = context.layout(for: dstDesc)
            implementation = primitive.implementation
        }
    }

    init(context: DNNLContext, node: Node, opset: Int, constantWeights: Bool) {
        transposed = FusedConv.isTransposed(node)
        postOps = FusedConv.postOps(node)
        dnnlPostOps = FusedConv.dnnlPostOps(postOps) ?? []
        hasSum = postOps.contains { $0.op == "Add" }
        self.constantWeights = constantWeights
        super.init(context: context, node: node, opset: opset)
    }

    /// The oneDNN implementation of the most recent plan (e.g. "jit:avx512_core"), for tests
    /// and benchmarks.
    private(set) var lastImplementation: String?

    override func run(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> [Tensor] {
        let x = context.native(try inputs.required(0))
        let w = try inputs.required(1, "weight").plain()
        let b = inputs.optional(2)?.plain()
        let z = hasSum ? try inputs.required(3, "sum operand") : nil
        guard x.dtype == .float32, w.dtype == .float32, b.map({ $0.dtype == .float32 }) ?? true,
              z.map({ $0.dtype == .float32 }) ?? true, (3...5).contains(x.rank), w.rank == x.rank, x.count > 0 else {
            return try runReference(inputs, ctx)
        }
        let xDesc = try context.desc(of: x)
        let key = [xDesc, try DNNLMemoryDesc.plain(w.shape)]
        let scalars: [Float] = [b == nil ? 0 : 1]
        if transposed {
            let gemm: GemmDeconvolution?
            if let cached = gemmPlans.find(key, scalars) { gemm = cached } else {
                gemm = try (try? ConvGeometry(node: node, input: x.shape, weight: w.shape, transposed: true))
                    .flatMap { try GemmDeconvolution(geometry: $0, postOps: postOps, context: context) }
                gemmPlans.insert(gemm, for: key, scalars)
            }
            if let gemm, b.map({ $0.rank == 1 && $0.count == gemm.geometry.outChannels }) ?? true {
                return [try runGemm(gemm, x, xDesc, w, b, ctx)]
            }
        }
        let cached = plans.find(key, scalars)
        let plan: Plan?
        if let cached { plan = cached } else {
            // oneDNN rejecting a configuration (e.g. negative padding) is not an error: the
            // reference kernels run it.
            plan = try? makePlan(x: x, w: w, hasBias: b != nil)
            plans.insert(plan, for: key, scalars)
        }
        guard let plan, b.map({ $0.rank == 1 && $0.count == plan.geometry.outChannels }) ?? true,
              z.map({ $0.shape == plan.geometry.outputShape }) ?? true else {
            return try runReference(inputs, ctx)
        }
        lastImplementation = plan.implementation

        var temporaries: [TensorStorage] = []
        defer { if let pool = ctx.pool { temporaries.forEach(pool.give) } }

        func temporary(_ desc: DNNLMemoryDesc) -> TensorStorage {
            let s = ctx.pool?.take(byteCount: desc.byteSize, zeroed: false) ?? TensorStorage(byteCount: desc.byteSize, zeroed: false)
            temporaries.append(s)
            return s
        }
        var src = x.storage.data
        if xDesc != plan.srcDesc {
            src = temporary(plan.srcDesc).data
            try context.reorder(x, from: xDesc, to: plan.srcDesc, into: src)
        }
        let weights: TensorStorage
        if let r = plan.reorderedWeights {
            weights = r
        } else {
            weights = constantWeights ? TensorStorage(byteCount: plan.weightsDesc.byteSize, zeroed: false)
                                      : temporary(plan.weightsDesc)
            try context.reorder(w, from: plan.userWeightsDesc, to: plan.weightsDesc, into: weights.data,
                                countsAsActivation: false)
            if constantWeights { plan.reorderedWeights = weights }
        }
        let y = context.allocate(plan.geometry.outputShape, plan.dstDesc, layout: plan.outputLayout, pool: ctx.pool)
        if let z {
            // The sum post-op accumulates into what the destination holds.
            let zDesc = try context.desc(of: z)
            if zDesc == plan.dstDesc {
                y.storage.data.copyMemory(from: z.storage.data, byteCount: plan.dstDesc.byteSize)
            } else {
                try context.reorder(z, from: zDesc, to: plan.dstDesc, into: y.storage.data)
            }
        }
        var args = [
            try plan.src.arg(DNNL_ARG_SRC, src),
            try plan.weights.arg(DNNL_ARG_WEIGHTS, weights.data),
            try plan.dst.arg(DNNL_ARG_DST, y.storage.data),
        ]
        if let b { args.append(try plan.bias.arg(DNNL_ARG_BIAS, b.storage.data)) }
        try plan.primitive.execute(context.stream, args)
        return [y]
    }

    /// Transposed convolutions `GemmDeconvolution` takes: input in NHWC, weights repacked
    /// once when constant.
    private func runGemm(_ gemm: GemmDeconvolution, _ x: Tensor, _ xDesc: DNNLMemoryDesc, _ w: Tensor, _ b: Tensor?,
                         _ ctx: KernelContext) throws -> Tensor {
        var temporaries: [TensorStorage] = []
        defer { if let pool = ctx.pool { temporaries.forEach(pool.give) } }
        func temporary(_ bytes: Int) -> TensorStorage {
            let s = ctx.pool?.take(byteCount: bytes, zeroed: false) ?? TensorStorage(byteCount: bytes, zeroed: false)
            temporaries.append(s)
            return s
        }
        var src = x.storage.data
        if xDesc != gemm.srcDesc {
            src = temporary(gemm.srcDesc.byteSize).data
            try context.reorder(x, from: xDesc, to: gemm.srcDesc, into: src)
        }
        let weights: TensorStorage
        if let p = gemm.preparedWeights {
            weights = p
        } else {
            weights = constantWeights ? TensorStorage(byteCount: gemm.weightBytes, zeroed: false) : temporary(gemm.weightBytes)
            gemm.prepareWeights(w, into: weights.data.assumingMemoryBound(to: Float.self))
            if constantWeights { gemm.preparedWeights = weights }
        }
        lastImplementation = "gemm"
        return try gemm.run(x: src.assumingMemoryBound(to: Float.self), weights: weights.data.assumingMemoryBound(to: Float.self),
                            bias: b.map { UnsafePointer($0.storage.data.assumingMemoryBound(to: Float.self)) }, pool: ctx.pool)
    }

    /// oneDNN 2.6 lists its brgemm convolutions (nhwc) first on AVX-512 machines. Its direct
    /// jit kernels (blocked nChw16c) are as fast at two threads (3×3 512→512 at 32×32: 14.2 ms
    /// either way) and use the blocked layout its deconvolutions (those `GemmDeconvolution`
    /// leaves to oneDNN) pick, so conv ↔ deconv chains need no reorders: prefer them.
    static func preferred(_ implementation: String) -> Bool { implementation.hasPrefix("jit") }

    /// Whether to try oneDNN's Winograd convolution (F(4×4, 3×3) or F(2×2, 3×3), AVX-512
    /// only): 3×3, stride 1, undilated, one group, at least 64 channels in and out. On every
    /// such VGG16 layer it took 0.4-0.75× the direct kernel's time at two threads (3 input
    /// channels: 3×, hence the bound), with relative errors ~1e-6 (docs/benchmarks.md).
    static func prefersWinograd(_ g: ConvGeometry) -> Bool {
        g.spatialRank == 2 && g.kernel == [3, 3] && g.strides == [1, 1] && g.dilations == [1, 1] && g.group == 1
            && g.inChannels >= 64 && g.outChannels >= 64
    }

    private func makePlan(x: Tensor, w: Tensor, hasBias: Bool) throws -> Plan {
        let g = try ConvGeometry(node: node, input: x.shape, weight: w.shape, transposed: transposed)
        let groups = g.group
        let k = g.kernel
        let kernelStrides = Tensor.strides(of: k)
        let kSize = g.kernelSize
        // oneDNN weights are [O, I, k…], with groups [G, O/G, I/G, k…]. ONNX Conv weights are
        // exactly that in row-major order; ConvTranspose weights are [I, O/G, k…] in memory.
        let (o, i) = (g.outChannelsPerGroup, g.inChannelsPerGroup)
        let wDims = (groups > 1 ? [groups] : []) + [o, i] + k
        let userWeights: DNNLMemoryDesc
        if transposed {
            let gs = groups > 1 ? [i * o * kSize] : []
            userWeights = try .strided(wDims, strides: gs + [kSize, o * kSize] + kernelStrides)
        } else {
            userWeights = try .plain(wDims)
        }
        var src = try DNNLMemoryDesc.any(x.shape).raw
        var wei = try DNNLMemoryDesc.any(wDims).raw
        // A zero descriptor disables the bias term.
        var bias = hasBias ? try DNNLMemoryDesc.plain([g.outChannels]).raw : dnnl_memory_desc_t()
        var dst = try DNNLMemoryDesc.any(g.outputShape).raw
        let strides = g.strides.map(Int64.init)
        let dilates = g.dilations.map { Int64($0 - 1) }
        let padL = g.padsBegin.map(Int64.init)
        // ConvTranspose: oneDNN's output is (in-1)·s + dilated kernel - padL - padR, so
        // output_padding and a larger output_shape become a smaller (negative) end padding.
        let padR = transposed
            ? (0..<g.spatialRank).map { Int64((g.inputSpatial[$0] - 1) * g.strides[$0] + g.dilatedKernel($0) - g.padsBegin[$0] - g.outputSpatial[$0]) }
            : g.padsEnd.map(Int64.init)
        let attributes = try DNNLAttributes(postOps: dnnlPostOps)
        let what = transposed ? "deconvolution" : "convolution"
        let primitive: DNNLPrimitive
        if transposed {
            var od = dnnl_deconvolution_desc_t()
            try dnnlCheck(dnnl_dilated_deconvolution_forward_desc_init(
                &od, dnnl_forward_inference, dnnl_deconvolution_direct, &src, &wei, &bias, &dst,
                strides, dilates, padL, padR), "dnnl_dilated_deconvolution_forward_desc_init(\(g))")
            primitive = try DNNLPrimitive(opDesc: &od, attributes: attributes, engine: context.engine, what: what,
                                          prefer: DNNLConvKernel.preferred)
        } else {
            func create(_ algorithm: dnnl_alg_kind_t) throws -> DNNLPrimitive {
                var od = dnnl_convolution_desc_t()
                try dnnlCheck(dnnl_dilated_convolution_forward_desc_init(
                    &od, dnnl_forward_inference, algorithm, &src, &wei, &bias, &dst,
                    strides, dilates, padL, padR), "dnnl_dilated_convolution_forward_desc_init(\(g))")
                return try DNNLPrimitive(opDesc: &od, attributes: attributes, engine: context.engine, what: what,
                                         prefer: DNNLConvKernel.preferred)
            }
            // Winograd exists only on some ISAs (AVX-512) and shapes: direct otherwise.
            // Its weight transform is a slow reorder: worth it only for constant weights, which are
            // transformed once (trainable weights would pay it on every run).
            if constantWeights, DNNLConvKernel.prefersWinograd(g), let p = try? create(dnnl_convolution_winograd) {
                primitive = p
            } else {
                primitive = try create(dnnl_convolution_direct)
            }
        }
        return try Plan(geometry: g, primitive: primitive, userWeightsDesc: userWeights, context: context)
    }

    /// Plain nodes: their reference kernel. Fused nodes: the reference convolution followed by
    /// the reference kernels of the fused ops.
    override func runReference(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> [Tensor] {
        guard FusedConv.isFused(node) else { return try super.runReference(inputs, ctx) }
        context.noteReferenceFallback()
        let chain = try unfused ?? makeUnfused()
        unfused = chain
        let plain = inputs.map { $0?.plain() }
        // Each step reads its attributes from its own node, not from the fused one.
        var y = try chain.conv.kernel.run(Array(plain.prefix(3)), KernelContext(node: chain.conv.node, opset: 17, pool: ctx.pool))[0]
        for (p, step) in zip(postOps, chain.steps) {
            let stepContext = KernelContext(node: step.node, opset: step.opset, pool: ctx.pool)
            y = try step.kernel.run(p.op == "Add" ? [y, try plain.required(3, "sum operand")] : [y], stepContext)[0]
        }
        return [y]
    }

    typealias UnfusedStep = (node: Node, opset: Int, kernel: Kernel)

    private func makeUnfused() throws -> (conv: UnfusedStep, steps: [UnfusedStep]) {
        func reference(_ n: Node, _ opset: Int) throws -> Kernel {
            guard let def = OpRegistry.standard.definition(domain: n.domain, type: n.opType) else {
                throw RuntimeError.unsupported("no reference kernel for \(n.opType)")
            }
            return try def.makeReference(n, opset)
        }
        let convNode = FusedConv.convolution(node)
        let conv = (node: convNode, opset: 17, kernel: try reference(convNode, 17))
        let steps = try postOps.map { p -> UnfusedStep in
            var attrs: [String: Attribute] = [:]
            switch p.op {
            case "LeakyRelu", "Elu": attrs["alpha"] = .float(p.alpha)
            case "Clip": attrs = ["min": .float(p.alpha), "max": .float(p.beta)]
            default: break
            }
            let n = Node(opType: p.op, inputs: p.op == "Add" ? ["y", "z"] : ["y"], outputs: ["out"], attributes: attrs)
            // Clip's bounds are attributes up to opset 10.
            let opset = p.op == "Clip" ? 10 : 17
            return (node: n, opset: opset, kernel: try reference(n, opset))
        }
        return (conv, steps)
    }
}
