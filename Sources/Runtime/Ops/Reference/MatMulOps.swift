/// MatMul, MatMulInteger and Gemm. float32/float64 through BLAS (one gemm per batch, or a
/// single gemm when B is shared by a contiguous batch of A); float16/bfloat16 computed in
/// float32; integer types through a plain loop with wrapping arithmetic; MatMulInteger exactly
/// in float64 after removing zero points.
func registerMatMulOps(into r: OpRegistry) {
    r.register("MatMul") { inputs, ctx in
        let a = try inputs.required(0), b = try inputs.required(1)
        guard a.dtype == b.dtype else { throw RuntimeError.dtype("MatMul operands must share one element type, got \(a.dtype) and \(b.dtype)") }
        let geo = try MatMulGeometry(a: a.shape, b: b.shape)
        switch a.dtype {
        case .float32: return [try matmul(Float.self, a, b, geo, ctx)]
        case .float64: return [try matmul(Double.self, a, b, geo, ctx)]
        case .float16, .bfloat16:
            return [try matmul(Float.self, a.converted(to: .float32), b.converted(to: .float32), geo, ctx).converted(to: a.dtype)]
        case .int32: return [integerMatMul(Int32.self, a, b, geo, ctx)]
        case .int64: return [integerMatMul(Int64.self, a, b, geo, ctx)]
        case .uint32: return [integerMatMul(UInt32.self, a, b, geo, ctx)]
        case .uint64: return [integerMatMul(UInt64.self, a, b, geo, ctx)]
        default: throw RuntimeError.dtype("MatMul supports float16, bfloat16, float32, float64, int32, int64, uint32 and uint64, got \(a.dtype)")
        }
    }

    r.register("MatMulInteger", since: 10) { inputs, ctx in
        let a = try inputs.required(0), b = try inputs.required(1)
        let geo = try MatMulGeometry(a: a.shape, b: b.shape)
        // Zero points per row of A (its second-to-last axis) or per column of B (its last).
        let ac = try zeroPointCentered(a, inputs.optional(2), axis: a.rank - 2, "A")
        let bc = try zeroPointCentered(b, inputs.optional(3), axis: b.rank - 1, "B")
        return [try matmul(Double.self, ac, bc, geo, ctx).converted(to: .int32)]
    }

    r.register("Gemm") { inputs, ctx in
        let a = try inputs.required(0), b = try inputs.required(1)
        let c = inputs.optional(2)
        guard a.dtype == b.dtype, c.map({ $0.dtype == a.dtype }) ?? true else {
            throw RuntimeError.dtype("Gemm operands must share one element type, got \(a.dtype), \(b.dtype)\(c.map { ", \($0.dtype)" } ?? "")")
        }
        let geo = try GemmGeometry(node: ctx.node, a: a.shape, b: b.shape, c: c?.shape)
        let alpha = Double(ctx.node.float("alpha", default: 1)), beta = Double(ctx.node.float("beta", default: 1))
        // beta = 0 drops C entirely (its values, even NaN, do not reach the result).
        let cUsed = beta == 0 ? nil : c
        switch a.dtype {
        case .float32: return [try gemm(Float.self, a, b, cUsed, geo, alpha, beta, ctx)]
        case .float64: return [try gemm(Double.self, a, b, cUsed, geo, alpha, beta, ctx)]
        case .float16, .bfloat16:
            return [try gemm(Float.self, a.converted(to: .float32), b.converted(to: .float32), cUsed?.converted(to: .float32),
                             geo, alpha, beta, ctx).converted(to: a.dtype)]
        case .int32: return [integerGemm(Int32.self, a, b, cUsed, geo, alpha, beta, ctx)]
        case .int64: return [integerGemm(Int64.self, a, b, cUsed, geo, alpha, beta, ctx)]
        case .uint32: return [integerGemm(UInt32.self, a, b, cUsed, geo, alpha, beta, ctx)]
        case .uint64: return [integerGemm(UInt64.self, a, b, cUsed, geo, alpha, beta, ctx)]
        default: throw RuntimeError.dtype("Gemm supports float16, bfloat16, float32, float64, int32, int64, uint32 and uint64, got \(a.dtype)")
        }
    }

    r.registerVJP("MatMul") { c in
        let (da, db) = try MatMulGradients.ofMatMul(a: try c.inputs.required(0), b: try c.inputs.required(1), dy: try c.outputGrad(0),
                                                    wantA: c.needs(0), wantB: c.needs(1), c.kernelContext)
        return [da, db]
    }
    r.registerVJP("Gemm") { c in
        try MatMulGradients.ofGemm(a: try c.inputs.required(0), b: try c.inputs.required(1), c: c.inputs.optional(2),
                                   dy: try c.outputGrad(0), alpha: Double(c.node.float("alpha", default: 1)),
                                   beta: Double(c.node.float("beta", default: 1)), want: (0..<3).map(c.needs), c.kernelContext)
    }
    r.markNonDifferentiable(["MatMulInteger"], because: "its operands and output are integers")
}

func matmul<T: BLASFloat>(_: T.Type, _ a: Tensor, _ b: Tensor, _ geo: MatMulGeometry, _ ctx: KernelContext) throws -> Tensor {
    var y = ctx.allocate(geo.outputShape, a.dtype, zeroed: false)
    let (m, k, n) = (geo.m, geo.k, geo.n)
    try a.withUnsafeBufferPointer(as: T.self) { ab in
        try b.withUnsafeBufferPointer(as: T.self) { bb in
            try y.withUnsafeMutableBufferPointer(as: T.self) { yb in
                guard let ap = ab.baseAddress, let bp = bb.baseAddress, let yp = yb.baseAddress else { return }
                let batches = geo.batchCount
                // One B for a contiguous run of A matrices: stack them into one taller product.
                let sharedB = geo.bMatrix.allSatisfy { $0 == 0 } && geo.aMatrix.enumerated().allSatisfy { $0.offset == $0.element }
                if sharedB {
                    try gemm(m: batches * m, n: n, k: k, a: ap, b: bp, c: yp)
                    return
                }
                for i in 0..<batches {
                    try gemm(m: m, n: n, k: k, a: ap + geo.aMatrix[i] * m * k, b: bp + geo.bMatrix[i] * k * n, c: yp + i * m * n)
                }
            }
        }
    }
    return y
}

private func integerMatMul<T: FixedWidthInteger & TensorElement>(_: T.Type, _ a: Tensor, _ b: Tensor, _ geo: MatMulGeometry,
                                                                 _ ctx: KernelContext) -> Tensor {
    var y = ctx.allocate(geo.outputShape, a.dtype, zeroed: true)
    let (m, k, n) = (geo.m, geo.k, geo.n)
    a.withUnsafeBufferPointer(as: T.self) { ab in
        b.withUnsafeBufferPointer(as: T.self) { bb in
            y.withUnsafeMutableBufferPointer(as: T.self) { yb in
                for batch in 0..<geo.batchCount {
                    let aBase = geo.aMatrix[batch] * m * k, bBase = geo.bMatrix[batch] * k * n, yBase = batch * m * n
                    for i in 0..<m {
                        for p in 0..<k {
                            let av = ab[aBase + i * k + p]
                            let bRow = bBase + p * n, yRow = yBase + i * n
                            for j in 0..<n { yb[yRow + j] &+= av &* bb[bRow + j] }
                        }
                    }
                }
            }
        }
    }
    return y
}

private func gemm<T: BLASFloat>(_: T.Type, _ a: Tensor, _ b: Tensor, _ c: Tensor?, _ geo: GemmGeometry,
                                _ alpha: Double, _ beta: Double, _ ctx: KernelContext) throws -> Tensor {
    var y = ctx.allocate([geo.m, geo.n], a.dtype, zeroed: false)
    try y.withUnsafeMutableBufferPointer(as: T.self) { yb in
        guard let yp = yb.baseAddress else { return }
        // Start from beta·C (broadcast), then accumulate alpha·op(A)·op(B).
        if let c {
            c.withUnsafeBufferPointer(as: T.self) { cb in
                let bt = T(beta)
                for i in 0..<geo.m {
                    for j in 0..<geo.n { yp[i * geo.n + j] = bt * cb[i * geo.cRowStride + j * geo.cColumnStride] }
                }
            }
        }
        try a.withUnsafeBufferPointer(as: T.self) { ab in
            try b.withUnsafeBufferPointer(as: T.self) { bb in
                guard let ap = ab.baseAddress, let bp = bb.baseAddress else { return }
                try gemm(transA: geo.transA, transB: geo.transB, m: geo.m, n: geo.n, k: geo.k, alpha: T(alpha),
                         a: ap, b: bp, beta: c == nil ? 0 : 1, c: yp)
            }
        }
    }
    return y
}

private func integerGemm<T: FixedWidthInteger & TensorElement>(_: T.Type, _ a: Tensor, _ b: Tensor, _ c: Tensor?, _ geo: GemmGeometry,
                                                               _ alpha: Double, _ beta: Double, _ ctx: KernelContext) -> Tensor {
    let (m, k, n) = (geo.m, geo.k, geo.n)
    var y = ctx.allocate([m, n], a.dtype, zeroed: false)
    let unit = alpha == 1 && beta == 1
    a.withUnsafeBufferPointer(as: T.self) { ab in
        b.withUnsafeBufferPointer(as: T.self) { bb in
            y.withUnsafeMutableBufferPointer(as: T.self) { yb in
                let cv: [T] = c?.toArray(T.self) ?? []
                // op(A)[i, p] = A[i·ai + p·ap], op(B)[p, j] = B[p·bp + j·bj].
                let ai = geo.transA ? 1 : k, ap = geo.transA ? m : 1
                let bp = geo.transB ? 1 : n, bj = geo.transB ? k : 1
                for i in 0..<m {
                    for j in 0..<n {
                        var s: T = 0
                        for p in 0..<k { s &+= ab[i * ai + p * ap] &* bb[p * bp + j * bj] }
                        let cij: T = c == nil ? 0 : cv[i * geo.cRowStride + j * geo.cColumnStride]
                        yb[i * n + j] = unit ? s &+ cij : T(fromDouble: alpha * Double(s) + beta * Double(cij))
                    }
                }
            }
        }
    }
    return y
}
