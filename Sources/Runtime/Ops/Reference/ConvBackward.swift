/// Reverse mode of Conv and ConvTranspose with the forward kernels' machinery: one im2col
/// (or col2im) and gemm per (image, group), float32 through sgemm and float64 through dgemm.
///
/// Conv, per group g: Y_g = W_g · col(X_g), so dW_g = Σ_n dY_g · col(X_g)ᵀ and
/// dX_g = col2im(W_gᵀ · dY_g). ConvTranspose, per group: Y_g = col2im(W_gᵀ · X_g), so with
/// C = im2col(dY_g) (the transposed windows): dX_g = W_g · C and dW_g = Σ_n X_g · Cᵀ.
/// dB sums dY over the batch and spatial axes in both cases.
struct ConvGradients {
    var x: Tensor?
    var w: Tensor?
    var b: Tensor?

    /// Gradients of a Conv (or ConvTranspose, per `geo.transposed`) with output gradient
    /// `dy`; each only when wanted.
    static func compute(x: Tensor, w: Tensor, dy: Tensor, geo: ConvGeometry,
                        wantX: Bool, wantW: Bool, wantB: Bool, _ ctx: KernelContext) throws -> ConvGradients {
        guard dy.shape == geo.outputShape else {
            throw RuntimeError.invalid("output gradient has shape \(dy.shape), expected \(geo.outputShape)")
        }
        guard w.dtype == x.dtype, dy.dtype == x.dtype else {
            throw RuntimeError.dtype("input, weight and output gradient must share one element type, got \(x.dtype), \(w.dtype), \(dy.dtype)")
        }
        switch x.dtype {
        case .float32:
            return try backward(Float.self, x, w, dy.plain(), geo, wantX, wantW, wantB, ctx)
        case .float64:
            return try backward(Double.self, x, w, dy.plain(), geo, wantX, wantW, wantB, ctx)
        case .float16, .bfloat16:
            var g = try backward(Float.self, x.converted(to: .float32), w.converted(to: .float32),
                                 dy.converted(to: .float32), geo, wantX, wantW, wantB, ctx)
            g.x = g.x?.converted(to: x.dtype)
            g.w = g.w?.converted(to: x.dtype)
            g.b = g.b?.converted(to: x.dtype)
            return g
        default:
            throw RuntimeError.dtype("\(geo.transposed ? "ConvTranspose" : "Conv") gradients need float16, bfloat16, float32 or float64, got \(x.dtype)")
        }
    }

    private static func backward<T: BLASFloat>(_: T.Type, _ x: Tensor, _ w: Tensor, _ dy: Tensor, _ geo: ConvGeometry,
                                               _ wantX: Bool, _ wantW: Bool, _ wantB: Bool,
                                               _ ctx: KernelContext) throws -> ConvGradients {
        var dx = wantX ? ctx.allocate(geo.inputShape, x.dtype, zeroed: true) : nil
        var dw = wantW ? ctx.allocate(w.shape, x.dtype, zeroed: true) : nil
        var result = ConvGradients()
        if wantB { result.b = biasGradient(T.self, dy, geo, ctx) }
        if wantX || wantW {
            try x.withUnsafeBufferPointer(as: T.self) { xb in
                try w.withUnsafeBufferPointer(as: T.self) { wb in
                    try dy.withUnsafeBufferPointer(as: T.self) { db in
                        guard let xp = xb.baseAddress, let wp = wb.baseAddress, let dp = db.baseAddress else { return }
                        try withOptionalPointer(T.self, &dx) { dxp in
                            try withOptionalPointer(T.self, &dw) { dwp in
                                if geo.transposed {
                                    try transposedBackward(xp, wp, dp, dxp, dwp, geo)
                                } else {
                                    try convBackward(xp, wp, dp, dxp, dwp, geo)
                                }
                            }
                        }
                    }
                }
            }
        }
        result.x = dx
        result.w = dw
        return result
    }

    /// dB[m] = Σ over batch and space of dY[n, m, …].
    private static func biasGradient<T: BLASFloat>(_: T.Type, _ dy: Tensor, _ geo: ConvGeometry, _ ctx: KernelContext) -> Tensor {
        var db = ctx.allocate([geo.outChannels], dy.dtype, zeroed: false)
        let plane = geo.outputSpatialSize
        dy.withUnsafeBufferPointer(as: T.self) { g in
            db.withUnsafeMutableBufferPointer(as: T.self) { out in
                for m in 0..<geo.outChannels {
                    var s: T = 0
                    for n in 0..<geo.batch {
                        let base = (n * geo.outChannels + m) * plane
                        for i in 0..<plane { s += g[base + i] }
                    }
                    out[m] = s
                }
            }
        }
        return db
    }

    private static func convBackward<T: BLASFloat>(_ x: UnsafePointer<T>, _ w: UnsafePointer<T>, _ dy: UnsafePointer<T>,
                                                   _ dx: UnsafeMutablePointer<T>?, _ dw: UnsafeMutablePointer<T>?,
                                                   _ geo: ConvGeometry) throws {
        let cg = geo.inChannelsPerGroup, mg = geo.outChannelsPerGroup
        let rows = cg * geo.kernelSize
        let inPlane = geo.inputSpatialSize, outPlane = geo.outputSpatialSize
        let pointwise = geo.isPointwise
        let windows = ConvWindows(conv: geo)
        let col = UnsafeMutablePointer<T>.allocate(capacity: pointwise ? 0 : rows * outPlane)
        defer { col.deallocate() }
        for n in 0..<geo.batch {
            for g in 0..<geo.group {
                let xg = x + (n * geo.inChannels + g * cg) * inPlane
                let dyg = dy + (n * geo.outChannels + g * mg) * outPlane
                let wg = w + g * mg * rows
                if let dw {
                    if !pointwise { windows.im2col(xg, channels: cg, col) }
                    try gemm(transB: true, m: mg, n: rows, k: outPlane, a: dyg, b: pointwise ? xg : UnsafePointer(col),
                             beta: 1, c: dw + g * mg * rows)
                }
                if let dx {
                    let dxg = dx + (n * geo.inChannels + g * cg) * inPlane
                    if pointwise {
                        try gemm(transA: true, m: cg, n: inPlane, k: mg, a: wg, b: dyg, c: dxg)
                    } else {
                        try gemm(transA: true, m: rows, n: outPlane, k: mg, a: wg, b: dyg, c: col)
                        windows.col2im(UnsafePointer(col), channels: cg, dxg)
                    }
                }
            }
        }
    }

    private static func transposedBackward<T: BLASFloat>(_ x: UnsafePointer<T>, _ w: UnsafePointer<T>, _ dy: UnsafePointer<T>,
                                                         _ dx: UnsafeMutablePointer<T>?, _ dw: UnsafeMutablePointer<T>?,
                                                         _ geo: ConvGeometry) throws {
        let cg = geo.inChannelsPerGroup, mg = geo.outChannelsPerGroup
        let rows = mg * geo.kernelSize
        let inPlane = geo.inputSpatialSize, outPlane = geo.outputSpatialSize
        let pointwise = geo.isPointwise
        let windows = ConvWindows(transposed: geo)
        let col = UnsafeMutablePointer<T>.allocate(capacity: pointwise ? 0 : rows * inPlane)
        defer { col.deallocate() }
        for n in 0..<geo.batch {
            for g in 0..<geo.group {
                let dyg = dy + (n * geo.outChannels + g * mg) * outPlane
                if !pointwise { windows.im2col(dyg, channels: mg, col) }
                let c = pointwise ? dyg : UnsafePointer(col)
                if let dx {
                    try gemm(m: cg, n: inPlane, k: rows, a: w + g * cg * rows, b: c,
                             c: dx + (n * geo.inChannels + g * cg) * inPlane)
                }
                if let dw {
                    try gemm(transB: true, m: cg, n: rows, k: inPlane, a: x + (n * geo.inChannels + g * cg) * inPlane,
                             b: c, beta: 1, c: dw + g * cg * rows)
                }
            }
        }
    }
}
