/// Reverse mode of the pooling ops: MaxPool routes each output gradient to the element the
/// forward pass selected (first maximum of the window, recomputed from x), averages spread it
/// evenly over their windows, Lp norms by each tap's share of the norm (from x and the forward
/// output y). float32/float64 natively, float16/bfloat16 through float32.
enum PoolGradients {
    /// dX of a pooling op for output gradient `dy`.
    static func compute(_ kind: Kind, x: Tensor, dy: Tensor, _ ctx: KernelContext) throws -> Tensor {
        guard x.rank >= 2 else { throw RuntimeError.invalid("pooling input must have rank >= 2 ([N, C, …]), got shape \(x.shape)") }
        guard dy.dtype == x.dtype else { throw RuntimeError.dtype("output gradient is \(dy.dtype), input is \(x.dtype)") }
        switch x.dtype {
        case .float32: return try gradient(Float.self, kind, x, dy.plain(), ctx)
        case .float64: return try gradient(Double.self, kind, x, dy.plain(), ctx)
        case .float16, .bfloat16:
            return try gradient(Float.self, kind, x.converted(to: .float32), dy.converted(to: .float32), ctx).converted(to: x.dtype)
        default:
            throw RuntimeError.dtype("pooling gradients need float16, bfloat16, float32 or float64, got \(x.dtype)")
        }
    }

    enum Kind {
        case max(PoolGeometry)
        case average(PoolGeometry, includePad: Bool)
        /// `y`: the forward output.
        case lp(PoolGeometry, p: Double, y: Tensor)
        case globalMax
        case globalAverage
        case globalLp(p: Double, y: Tensor)
    }

    private static func gradient<T: BLASFloat & MaxPoolable & FloatMath>(_: T.Type, _ kind: Kind, _ x: Tensor, _ dy: Tensor,
                                                                         _ ctx: KernelContext) throws -> Tensor {
        let planes = x.shape[0] * x.shape[1]
        let expected: [Int]
        switch kind {
        case .max(let g), .average(let g, _), .lp(let g, _, _): expected = g.outputShape
        case .globalMax, .globalAverage, .globalLp: expected = Array(x.shape[0..<2]) + [Int](repeating: 1, count: x.rank - 2)
        }
        guard dy.shape == expected else {
            throw RuntimeError.invalid("output gradient has shape \(dy.shape), expected \(expected)")
        }
        switch kind {
        case .lp(_, _, let y), .globalLp(_, let y):
            guard y.shape == expected else { throw RuntimeError.invalid("forward output has shape \(y.shape), expected \(expected)") }
        default: break
        }
        var dx = ctx.allocate(x.shape, x.dtype, zeroed: true)
        let plane = x.count / max(planes, 1)
        try x.withUnsafeBufferPointer(as: T.self) { xb in
            try dy.withUnsafeBufferPointer(as: T.self) { gb in
                try dx.withUnsafeMutableBufferPointer(as: T.self) { db in
                    guard let xp = xb.baseAddress, let gp = gb.baseAddress, let dp = db.baseAddress else { return }
                    switch kind {
                    case .max(let geo):
                        let windows = try PoolWindows(geo)
                        // The forward's selection: the same reduction with argument indices.
                        let y = UnsafeMutablePointer<T>.allocate(capacity: gb.count)
                        let arg = UnsafeMutablePointer<Int64>.allocate(capacity: gb.count)
                        defer { y.deallocate(); arg.deallocate() }
                        windows.reduce(MaxReducer<T>.self, xp, y, planes: planes, argIndex: arg)
                        for i in 0..<gb.count where arg[i] >= 0 { dp[Int(arg[i])] += gp[i] }
                    case .average(let geo, let includePad):
                        var adjoint = AverageAdjoint<T>(includePad: includePad)
                        try PoolWindows(geo).spread(&adjoint, gp, dp, planes: planes)
                    case .lp(let geo, let p, let y):
                        try y.converted(to: T.dtype).withUnsafeBufferPointer(as: T.self) { yb in
                            guard let yp = yb.baseAddress else { return }
                            var adjoint = LpAdjoint(x: xp, y: yp, p: T(p))
                            try PoolWindows(geo).spread(&adjoint, gp, dp, planes: planes)
                        }
                    case .globalMax:
                        for p in 0..<planes {
                            let base = p * plane
                            var best = 0
                            // First maximum; NaN never compares greater (as the forward).
                            for i in 1..<max(plane, 1) where xp[base + i] > xp[base + best] { best = i }
                            if plane > 0 { dp[base + best] = gp[p] }
                        }
                    case .globalAverage:
                        let scale = T(1) / T(max(plane, 1))
                        for p in 0..<planes {
                            let g = gp[p] * scale, base = p * plane
                            for i in 0..<plane { dp[base + i] = g }
                        }
                    case .globalLp(let p, let y):
                        y.converted(to: T.dtype).withUnsafeBufferPointer(as: T.self) { yb in
                            guard let yp = yb.baseAddress else { return }
                            var adjoint = LpAdjoint(x: xp, y: yp, p: T(p))
                            for w in 0..<planes {
                                adjoint.start(w, dy: gp[w], valid: plane, padded: plane)
                                for i in (w * plane)..<((w + 1) * plane) { dp[i] = adjoint.tap(i) }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
