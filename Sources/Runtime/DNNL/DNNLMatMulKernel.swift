import CDNNL

/// MatMul (numpy batching and broadcasting, 1-D promotion) and Gemm (transA/transB through
/// strides, alpha as a linear post-op, beta·C as a broadcast binary-add post-op) with the
/// oneDNN matmul primitive on plain row-major data.
final class DNNLMatMulKernel: DNNLKernel {
    private struct Plan {
        let primitive: DNNLPrimitive
        let a, b, dst: DNNLMemory
        let c: DNNLMemory?
        /// The execution argument C binds to (its binary post-op follows alpha's, if any).
        let cArgument: Int32
        let outputShape: [Int]
    }
    private var plans = DNNLPlanCache<Plan?>()

    override var acceptsOpaqueInputs: Bool { false }

    override func run(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> [Tensor] {
        let a = try inputs.required(0), b = try inputs.required(1)
        var c = node.opType == "Gemm" ? inputs.optional(2) : nil
        guard a.dtype == .float32, b.dtype == .float32, c.map({ $0.dtype == .float32 }) ?? true,
              a.count > 0, b.count > 0 else {
            return try runReference(inputs, ctx)
        }
        let beta = node.float("beta", default: 1)
        if beta == 0 { c = nil }
        // Inputs are plain: their shapes identify the plan.
        let key: [Float] = [a.shape, b.shape, c?.shape ?? []].flatMap { s in s.map { Float($0) } + [-1] }
        let cached = plans.find([], key)
        let plan: Plan?
        if let cached { plan = cached } else {
            plan = try? (node.opType == "Gemm" ? makeGemmPlan(a.shape, b.shape, c?.shape) : makeMatMulPlan(a.shape, b.shape))
            plans.insert(plan, for: [], key)
        }
        guard let plan else { return try runReference(inputs, ctx) }

        let y = ctx.allocate(plan.outputShape, .float32, zeroed: false)
        var args = [
            try plan.a.arg(DNNL_ARG_SRC, a.storage.data),
            try plan.b.arg(DNNL_ARG_WEIGHTS, b.storage.data),
            try plan.dst.arg(DNNL_ARG_DST, y.storage.data),
        ]
        var scaledC: Tensor? = nil
        if let c, let cMemory = plan.c {
            if beta != 1 {
                var s = ctx.allocate(c.shape, .float32, zeroed: false)
                s.withUnsafeMutableBufferPointer(as: Float.self) { dst in
                    c.withUnsafeBufferPointer(as: Float.self) { src in
                        for i in 0..<src.count { dst[i] = beta * src[i] }
                    }
                }
                scaledC = s
            }
            let data = (scaledC ?? c).storage.data
            args.append(try cMemory.arg(plan.cArgument, data))
        }
        try plan.primitive.execute(context.stream, args)
        if let s = scaledC, let pool = ctx.pool { pool.give(s.storage) }
        return [y]
    }

    /// Throws for shapes the reference kernel must handle (it reports the invalid ones).
    private func makeMatMulPlan(_ aShape: [Int], _ bShape: [Int]) throws -> Plan {
        let g = try MatMulGeometry(a: aShape, b: bShape)
        // oneDNN wants equal ranks: promoted matrices with the batch axes padded by ones.
        let batch = g.batchShape.count
        func padded(_ s: [Int], _ matrix: [Int]) -> [Int] {
            let b = s.dropLast(2)
            return [Int](repeating: 1, count: batch - b.count) + b + matrix
        }
        let a = padded(aShape.count == 1 ? [1] + aShape : aShape, [g.m, g.k])
        let b = padded(bShape.count == 1 ? bShape + [1] : bShape, [g.k, g.n])
        return try makePlan(a: .plain(a), b: .plain(b), dst: .plain(g.batchShape + [g.m, g.n]), postOps: [], c: nil,
                            outputShape: g.outputShape)
    }

    private func makeGemmPlan(_ aShape: [Int], _ bShape: [Int], _ cShape: [Int]?) throws -> Plan {
        let g = try GemmGeometry(node: node, a: aShape, b: bShape, c: cShape)
        // Transposes are views: [M, K] over a [K, M] buffer has strides [1, M].
        let a = try DNNLMemoryDesc.strided([g.m, g.k], strides: g.transA ? [1, g.m] : [g.k, 1])
        let b = try DNNLMemoryDesc.strided([g.k, g.n], strides: g.transB ? [1, g.k] : [g.n, 1])
        var postOps: [DNNLPostOp] = []
        let alpha = node.float("alpha", default: 1)
        if alpha != 1 { postOps.append(.eltwise(DNNLEltwise(algorithm: dnnl_eltwise_linear, alpha: alpha, beta: 0))) }
        var c: DNNLMemoryDesc? = nil
        if let cs = cShape {
            // C as a (broadcast) [rows, columns] operand of a binary-add post-op.
            c = try .plain([cs.count == 2 ? cs[0] : 1, cs.last ?? 1])
            postOps.append(.binaryAdd(c!))
        }
        return try makePlan(a: a, b: b, dst: .plain([g.m, g.n]), postOps: postOps, c: c, outputShape: [g.m, g.n])
    }

    private func makePlan(a: DNNLMemoryDesc, b: DNNLMemoryDesc, dst: DNNLMemoryDesc, postOps: [DNNLPostOp],
                          c: DNNLMemoryDesc?, outputShape: [Int]) throws -> Plan {
        var od = dnnl_matmul_desc_t()
        var (src, wei, out) = (a.raw, b.raw, dst.raw)
        try dnnlCheck(dnnl_matmul_desc_init(&od, &src, &wei, nil, &out),
                      "dnnl_matmul_desc_init(\(a.dims) × \(b.dims))")
        let p = try DNNLPrimitive(opDesc: &od, attributes: try DNNLAttributes(postOps: postOps),
                                  engine: context.engine, what: "matmul")
        let e = context.engine
        return Plan(primitive: p, a: try DNNLMemory(a, engine: e), b: try DNNLMemory(b, engine: e),
                    dst: try DNNLMemory(dst, engine: e), c: try c.map { try DNNLMemory($0, engine: e) },
                    cArgument: DNNLPostOp.binaryArgument(postOps.count - 1), outputShape: outputShape)
    }
}
