/// Reverse mode of MatMul and Gemm through BLAS. MatMul: dA_i = dY_i · B_iᵀ and
/// dB_i = A_iᵀ · dY_i per batch matrix, accumulated into the operand matrix each batch
/// index read (broadcast batch axes sum; 1-D operands are the promoted matrices' memory).
/// Gemm: the same with op() transposes and alpha, and dC = beta · dY (the engine sums it
/// back to C's broadcast shape).
enum MatMulGradients {
    static func ofMatMul(a: Tensor, b: Tensor, dy: Tensor, wantA: Bool, wantB: Bool, _ ctx: KernelContext) throws -> (Tensor?, Tensor?) {
        let geo = try MatMulGeometry(a: a.shape, b: b.shape)
        guard dy.shape == geo.outputShape else {
            throw RuntimeError.invalid("output gradient has shape \(dy.shape), expected \(geo.outputShape)")
        }
        return try floating(a, b, dy, "MatMul") { T, a, b, dy in
            try matmulBackward(T, a, b, dy, geo, wantA, wantB, ctx)
        }
    }

    static func ofGemm(a: Tensor, b: Tensor, c: Tensor?, dy: Tensor, alpha: Double, beta: Double,
                     want: [Bool], _ ctx: KernelContext) throws -> [Tensor?] {
        let geo = try GemmGeometry(node: ctx.node, a: a.shape, b: b.shape, c: c?.shape)
        guard dy.shape == [geo.m, geo.n] else {
            throw RuntimeError.invalid("output gradient has shape \(dy.shape), expected \([geo.m, geo.n])")
        }
        let (da, db) = try floating(a, b, dy, "Gemm") { T, a, b, dy in
            try gemmBackward(T, a, b, dy, geo, alpha, want[0], want[1], ctx)
        }
        // beta = 0 drops C from the result.
        let dc: Tensor? = c != nil && want[2] ? scaled(dy.plain(), beta) : nil
        return [da, db, dc]
    }

    /// Runs `body` in float32 or float64 (float16/bfloat16 through float32, gradients
    /// narrowed back).
    private static func floating(_ a: Tensor, _ b: Tensor, _ dy: Tensor, _ op: String,
                                 _ body: (any BLASFloat.Type, Tensor, Tensor, Tensor) throws -> (Tensor?, Tensor?)) throws -> (Tensor?, Tensor?) {
        guard a.dtype == b.dtype, dy.dtype == a.dtype else {
            throw RuntimeError.dtype("\(op) operands and output gradient must share one element type, got \(a.dtype), \(b.dtype), \(dy.dtype)")
        }
        switch a.dtype {
        case .float32: return try body(Float.self, a, b, dy.plain())
        case .float64: return try body(Double.self, a, b, dy.plain())
        case .float16, .bfloat16:
            let (da, db) = try body(Float.self, a.converted(to: .float32), b.converted(to: .float32), dy.converted(to: .float32))
            return (da?.converted(to: a.dtype), db?.converted(to: a.dtype))
        default:
            throw RuntimeError.dtype("\(op) gradients need float16, bfloat16, float32 or float64, got \(a.dtype)")
        }
    }

    private static func matmulBackward<T: BLASFloat>(_: T.Type, _ a: Tensor, _ b: Tensor, _ dy: Tensor, _ geo: MatMulGeometry,
                                             _ wantA: Bool, _ wantB: Bool, _ ctx: KernelContext) throws -> (Tensor?, Tensor?) {
        var da = wantA ? ctx.allocate(a.shape, a.dtype, zeroed: true) : nil
        var db = wantB ? ctx.allocate(b.shape, b.dtype, zeroed: true) : nil
        let (m, k, n) = (geo.m, geo.k, geo.n)
        // One B for a contiguous run of A matrices: the batch is one taller product.
        let sharedB = geo.bMatrix.allSatisfy { $0 == 0 } && geo.aMatrix.enumerated().allSatisfy { $0.offset == $0.element }
        try a.withUnsafeBufferPointer(as: T.self) { ab in
            try b.withUnsafeBufferPointer(as: T.self) { bb in
                try dy.withUnsafeBufferPointer(as: T.self) { gb in
                    guard let ap = ab.baseAddress, let bp = bb.baseAddress, let gp = gb.baseAddress else { return }
                    try withOptionalPointer(T.self, &da) { dap in
                        try withOptionalPointer(T.self, &db) { dbp in
                            if sharedB {
                                let rows = geo.batchCount * m
                                if let dap { try gemm(transB: true, m: rows, n: k, k: n, a: gp, b: bp, c: dap) }
                                if let dbp { try gemm(transA: true, m: k, n: n, k: rows, a: ap, b: gp, c: dbp) }
                                return
                            }
                            for i in 0..<geo.batchCount {
                                let ai = geo.aMatrix[i] * m * k, bi = geo.bMatrix[i] * k * n, gi = gp + i * m * n
                                if let dap { try gemm(transB: true, m: m, n: k, k: n, a: gi, b: bp + bi, beta: 1, c: dap + ai) }
                                if let dbp { try gemm(transA: true, m: k, n: n, k: m, a: ap + ai, b: gi, beta: 1, c: dbp + bi) }
                            }
                        }
                    }
                }
            }
        }
        return (da, db)
    }

    /// With op(A) m×k and op(B) k×n: d op(A) = alpha·dY·op(B)ᵀ and d op(B) = alpha·op(A)ᵀ·dY,
    /// written straight into A's and B's own layouts by choosing the gemm transposes.
    private static func gemmBackward<T: BLASFloat>(_: T.Type, _ a: Tensor, _ b: Tensor, _ dy: Tensor, _ geo: GemmGeometry, _ alpha: Double,
                                           _ wantA: Bool, _ wantB: Bool, _ ctx: KernelContext) throws -> (Tensor?, Tensor?) {
        var da = wantA ? ctx.allocate(a.shape, a.dtype, zeroed: false) : nil
        var db = wantB ? ctx.allocate(b.shape, b.dtype, zeroed: false) : nil
        let (m, k, n) = (geo.m, geo.k, geo.n)
        let s = T(alpha)
        try a.withUnsafeBufferPointer(as: T.self) { ab in
            try b.withUnsafeBufferPointer(as: T.self) { bb in
                try dy.withUnsafeBufferPointer(as: T.self) { gb in
                    guard let ap = ab.baseAddress, let bp = bb.baseAddress, let gp = gb.baseAddress else { return }
                    try withOptionalPointer(T.self, &da) { dap in
                        guard let dap else { return }
                        if geo.transA {  // dA (k×m) = alpha·op(B)·dYᵀ
                            try gemm(transA: geo.transB, transB: true, m: k, n: m, k: n, alpha: s, a: bp, b: gp, c: dap)
                        } else {  // dA (m×k) = alpha·dY·op(B)ᵀ
                            try gemm(transB: !geo.transB, m: m, n: k, k: n, alpha: s, a: gp, b: bp, c: dap)
                        }
                    }
                    try withOptionalPointer(T.self, &db) { dbp in
                        guard let dbp else { return }
                        if geo.transB {  // dB (n×k) = alpha·dYᵀ·op(A)
                            try gemm(transA: true, transB: geo.transA, m: n, n: k, k: m, alpha: s, a: gp, b: ap, c: dbp)
                        } else {  // dB (k×n) = alpha·op(A)ᵀ·dY
                            try gemm(transA: !geo.transA, m: k, n: n, k: m, alpha: s, a: ap, b: gp, c: dbp)
                        }
                    }
                }
            }
        }
        return (da, db)
    }

    private static func scaled(_ t: Tensor, _ s: Double) -> Tensor {
        if s == 1 { return t }
        return Tensor(shape: t.shape, dtype: t.dtype, doubles: t.doubles.map { $0 * s })
    }
}
