/// Conv, ConvTranspose and ConvInteger: im2col + one gemm per (image, group), with a direct
/// gemm for pointwise (1×1, stride 1, no padding) kernels. float32 and float64 run natively,
/// float16/bfloat16 in float32, ConvInteger exactly in float64 after removing zero points.
func registerConvOps(into r: OpRegistry) {
    r.register("Conv") { inputs, ctx in
        let x = try inputs.required(0), w = try inputs.required(1, "weight")
        let geo = try ConvGeometry(node: ctx.node, input: x.shape, weight: w.shape, transposed: false)
        return [try runConv(x, w, inputs.optional(2), geo, ctx)]
    }
    r.register("ConvTranspose") { inputs, ctx in
        let x = try inputs.required(0), w = try inputs.required(1, "weight")
        let geo = try ConvGeometry(node: ctx.node, input: x.shape, weight: w.shape, transposed: true)
        return [try runConv(x, w, inputs.optional(2), geo, ctx)]
    }
    r.register("ConvInteger", since: 10) { inputs, ctx in
        let x = try inputs.required(0), w = try inputs.required(1, "weight")
        let geo = try ConvGeometry(node: ctx.node, input: x.shape, weight: w.shape, transposed: false)
        if let xz = inputs.optional(2), xz.count != 1 {
            throw RuntimeError.invalid("x_zero_point must be a scalar (per-tensor), got shape \(xz.shape)")
        }
        // Centering first makes zero padding equal to padding with x_zero_point.
        let y = try convolve(Double.self, try zeroPointCentered(x, inputs.optional(2), axis: 1, "x"),
                             try zeroPointCentered(w, inputs.optional(3), axis: 0, "w"), nil, geo, ctx)
        return [y.converted(to: .int32)]
    }

    r.registerVJP("Conv") { c in try convolutionVJP(c, transposed: false) }
    r.registerVJP("ConvTranspose") { c in try convolutionVJP(c, transposed: true) }
    r.markNonDifferentiable(["ConvInteger"], because: "its operands and output are integers")
}

/// [dX, dW, dB] of a Conv or ConvTranspose node (`ConvGradients`).
func convolutionVJP(_ c: VJPContext, transposed: Bool) throws -> [Tensor?] {
    let x = try c.inputs.required(0), w = try c.inputs.required(1, "weight")
    let geo = try ConvGeometry(node: c.node, input: x.shape, weight: w.shape, transposed: transposed)
    let g = try ConvGradients.compute(x: x, w: w, dy: try c.outputGrad(0), geo: geo, wantX: c.needs(0), wantW: c.needs(1),
                                      wantB: c.needs(2) && c.inputs.optional(2) != nil, c.kernelContext)
    return [g.x, g.w, g.b]
}

/// Checks element types and the bias shape, then dispatches on the element type.
private func runConv(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ geo: ConvGeometry, _ ctx: KernelContext) throws -> Tensor {
    guard w.dtype == x.dtype, b.map({ $0.dtype == x.dtype }) ?? true else {
        throw RuntimeError.dtype("input, weight and bias must share one element type, got \(x.dtype), \(w.dtype)\(b.map { ", \($0.dtype)" } ?? "")")
    }
    if let b, b.rank != 1 || b.count != geo.outChannels {
        throw RuntimeError.invalid("bias must have shape [\(geo.outChannels)] (output channels), got \(b.shape)")
    }
    switch x.dtype {
    case .float32: return try convolve(Float.self, x, w, b, geo, ctx)
    case .float64: return try convolve(Double.self, x, w, b, geo, ctx)
    case .float16, .bfloat16:
        let y = try convolve(Float.self, x.converted(to: .float32), w.converted(to: .float32),
                             b?.converted(to: .float32), geo, ctx)
        return y.converted(to: x.dtype)
    default:
        throw RuntimeError.dtype("\(geo.transposed ? "ConvTranspose" : "Conv") supports float16, bfloat16, float32 and float64, got \(x.dtype)")
    }
}

func convolve<T: BLASFloat>(_: T.Type, _ x: Tensor, _ w: Tensor, _ b: Tensor?, _ geo: ConvGeometry,
                                    _ ctx: KernelContext) throws -> Tensor {
    var y = ctx.allocate(geo.outputShape, x.dtype, zeroed: b == nil)
    let outPerImage = geo.outChannels * geo.outputSpatialSize
    try x.withUnsafeBufferPointer(as: T.self) { xb in
        try w.withUnsafeBufferPointer(as: T.self) { wb in
            try y.withUnsafeMutableBufferPointer(as: T.self) { yb in
                guard let xp = xb.baseAddress, let wp = wb.baseAddress, let yp = yb.baseAddress else { return }
                // Start from the bias (the gemms then accumulate) or from zero.
                if let b {
                    b.withUnsafeBufferPointer(as: T.self) { bb in
                        let plane = geo.outputSpatialSize
                        for n in 0..<geo.batch {
                            for m in 0..<geo.outChannels {
                                (yp + n * outPerImage + m * plane).update(repeating: bb[m], count: plane)
                            }
                        }
                    }
                }
                if geo.transposed {
                    try transposedConvolve(xp, wp, yp, geo)
                } else {
                    try forwardConvolve(xp, wp, yp, geo)
                }
            }
        }
    }
    return y
}

/// y[n, g·Mg + m, :] += W_g[m, :] · im2col(x[n, g·Cg…])
private func forwardConvolve<T: BLASFloat>(_ x: UnsafePointer<T>, _ w: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
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
            if !pointwise { windows.im2col(xg, channels: cg, col) }
            try gemm(m: mg, n: outPlane, k: rows, a: w + g * mg * rows, b: pointwise ? xg : UnsafePointer(col),
                     beta: 1, c: y + (n * geo.outChannels + g * mg) * outPlane)
        }
    }
}

/// y[n, g·Mg…] += col2im(W_gᵀ · x[n, g·Cg…]) with W_g the [Cg, Mg·K] slice of the weight.
private func transposedConvolve<T: BLASFloat>(_ x: UnsafePointer<T>, _ w: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
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
            let xg = x + (n * geo.inChannels + g * cg) * inPlane
            let yg = y + (n * geo.outChannels + g * mg) * outPlane
            let wg = w + g * cg * rows
            if pointwise {
                try gemm(transA: true, m: mg, n: inPlane, k: cg, a: wg, b: xg, beta: 1, c: yg)
            } else {
                try gemm(transA: true, m: rows, n: inPlane, k: cg, a: wg, b: xg, beta: 0, c: col)
                windows.col2im(UnsafePointer(col), channels: mg, yg)
            }
        }
    }
}
