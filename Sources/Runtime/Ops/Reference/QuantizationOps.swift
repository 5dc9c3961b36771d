import Foundation

/// Linear quantization: QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear (8/16-bit
/// integers, per-tensor or per-axis from opset 13), and the quantized products QLinearMatMul
/// and QLinearConv, which reuse the float64 MatMul and Conv kernels on zero-point-centred
/// operands (exact for 8-bit data) and requantize the integer sums.
/// Quantizing computes round-half-to-even(x / scale) + zero point in float32 and saturates,
/// like onnxruntime; NaN quantizes to the zero point.
func registerQuantizationOps(into r: OpRegistry) {
    r.register("QuantizeLinear", since: 10) { inputs, ctx in
        let x = try inputs.required(0)
        guard x.dtype.isFloatingPoint || x.dtype == .int32 else {
            throw RuntimeError.dtype("QuantizeLinear: x must be floating-point or int32, got \(x.dtype)")
        }
        let zero = inputs.optional(2)
        let params = try QuantizationParameters(scale: inputs.required(1, "y_scale"), zeroPoint: zero, data: x.shape, ctx)
        let dtype = zero?.dtype ?? .uint8
        let xf = x.dtype == .float32 ? x : x.converted(to: .float32)
        return [try quantize(xf, params, dtype, ctx)]
    }
    r.register("DequantizeLinear", since: 10) { inputs, ctx in
        let x = try inputs.required(0)
        let scale = try inputs.required(1, "x_scale"), zero = inputs.optional(2)
        if let zero, zero.dtype != x.dtype {
            throw RuntimeError.dtype("DequantizeLinear: x_zero_point must have x's type \(x.dtype), got \(zero.dtype)")
        }
        let params = try QuantizationParameters(scale: scale, zeroPoint: zero, data: x.shape, ctx)
        let y = try dequantize(x, params, ctx)
        return [scale.dtype == .float16 || scale.dtype == .bfloat16 ? y.converted(to: scale.dtype) : y]
    }
    r.register("DynamicQuantizeLinear", since: 11) { inputs, ctx in try dynamicQuantize(inputs.required(0), ctx) }
    r.register("QLinearMatMul", since: 10) { inputs, ctx in [try qlinearMatMul(inputs, ctx)] }
    r.register("QLinearConv", since: 10) { inputs, ctx in [try qlinearConv(inputs, ctx)] }

    r.markNonDifferentiable(["QuantizeLinear", "DynamicQuantizeLinear"],
                            because: "it rounds to integers (zero gradient almost everywhere); train through float ops or a straight-through estimator instead")
    r.markNonDifferentiable(["QLinearMatMul", "QLinearConv"], because: "its operands and output are quantized integers")
    // DequantizeLinear is linear in its scale: the integer data and zero point get none.
    r.registerVJP("DequantizeLinear") { c in
        guard c.needs(1) else { return [nil, nil, nil] }
        return [nil, try dequantizeScaleGradient(c), nil]
    }
}

/// d/d x_scale of y = (x − zero point)·scale: Σ dy·(x − zero point) over each scale's elements.
private func dequantizeScaleGradient(_ c: VJPContext) throws -> Tensor {
    let x = try c.inputs.required(0), scale = try c.inputs.required(1, "x_scale")
    let p = try QuantizationParameters(scale: scale, zeroPoint: c.inputs.optional(2), data: x.shape, c.kernelContext)
    let dy = try c.outputGrad(0)
    guard dy.shape == x.shape else { throw RuntimeError.invalid("output gradient has shape \(dy.shape), expected \(x.shape)") }
    var sums = [Double](repeating: 0, count: p.extent)
    let xd = x.converted(to: .float64), g = dy.converted(to: .float64)
    xd.withElements(Double.self) { px in
        g.withElements(Double.self) { pg in
            for o in 0..<p.outer {
                for ch in 0..<p.extent {
                    let z = p.zeroPoints[ch], base = (o * p.extent + ch) * p.inner
                    var s = 0.0
                    for i in base..<(base + p.inner) { s += pg[i] * (px[i] - z) }
                    sums[ch] += s
                }
            }
        }
    }
    return Tensor(shape: scale.shape, dtype: scale.dtype, doubles: sums)
}

/// The range of an integer quantized type.
private func quantizedRange(_ dtype: DType, _ op: String) throws -> (min: Float, max: Float) {
    switch dtype {
    case .uint8: return (0, 255)
    case .int8: return (-128, 127)
    case .uint16: return (0, 65535)
    case .int16: return (-32768, 32767)
    default: throw RuntimeError.dtype("\(op): quantized type must be uint8, int8, uint16 or int16, got \(dtype)")
    }
}

/// Scale and zero point, one pair for the whole tensor or one per index of `axis`: the
/// parameters of flat element i are entry (i / inner) % extent.
private struct QuantizationParameters {
    let scales: [Float]
    let zeroPoints: [Double]
    let outer: Int, extent: Int, inner: Int

    /// One scale and zero point for `count` elements.
    init(scale: Float, zeroPoint: Double, count: Int) {
        (scales, zeroPoints, outer, extent, inner) = ([scale], [zeroPoint], 1, 1, count)
    }

    init(scale: Tensor, zeroPoint: Tensor?, data shape: [Int], _ ctx: KernelContext) throws {
        let op = ctx.node.opType
        guard scale.dtype.isFloatingPoint else { throw RuntimeError.dtype("\(op): scale must be floating-point, got \(scale.dtype)") }
        scales = scale.doubles.map { Float($0) }
        if let zeroPoint {
            guard zeroPoint.count == scale.count else {
                throw RuntimeError.invalid("\(op): zero point has \(zeroPoint.count) values for \(scale.count) scales")
            }
            zeroPoints = zeroPoint.doubles
        } else {
            zeroPoints = [Double](repeating: 0, count: scale.count)
        }
        let count = shape.reduce(1, *)
        if scale.count == 1 {
            (outer, extent, inner) = (1, 1, count)
            return
        }
        let axis = try DataMovement.axis(ctx.node.int("axis", default: 1), rank: shape.count)
        guard scale.rank == 1, scale.count == shape[axis] else {
            throw RuntimeError.invalid("\(op): per-axis scale must be 1-D with \(shape[axis]) values (axis \(axis) of \(shape)), got shape \(scale.shape)")
        }
        (outer, extent, inner) = (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }
}

/// y = saturate(round_half_even(x / scale) + zero point) for a float32 x.
private func quantize(_ x: Tensor, _ p: QuantizationParameters, _ dtype: DType, _ ctx: KernelContext) throws -> Tensor {
    let (lo, hi) = try quantizedRange(dtype, ctx.node.opType)
    var y = ctx.allocate(x.shape, dtype, zeroed: false)
    func run<T: FixedWidthInteger & TensorElement>(_: T.Type) {
        x.withElements(Float.self) { px in
            y.withMutableElements(T.self) { py in
                for o in 0..<p.outer {
                    for c in 0..<p.extent {
                        let s = p.scales[c], z = Float(p.zeroPoints[c])
                        let base = (o * p.extent + c) * p.inner
                        for i in base..<(base + p.inner) {
                            let v = (px[i] / s).rounded(.toNearestOrEven) + z
                            py[i] = v.isNaN ? T(z) : T(min(max(v, lo), hi))
                        }
                    }
                }
            }
        }
    }
    switch dtype {
    case .uint8: run(UInt8.self)
    case .int8: run(Int8.self)
    case .uint16: run(UInt16.self)
    default: run(Int16.self)
    }
    return y
}

/// y = (x − zero point) · scale as float32.
private func dequantize(_ x: Tensor, _ p: QuantizationParameters, _ ctx: KernelContext) throws -> Tensor {
    var y = ctx.allocate(x.shape, .float32, zeroed: false)
    func run<T: FixedWidthInteger & TensorElement>(_: T.Type) {
        x.withElements(T.self) { px in
            y.withMutableElements(Float.self) { py in
                for o in 0..<p.outer {
                    for c in 0..<p.extent {
                        let s = p.scales[c], z = Int64(p.zeroPoints[c])
                        let base = (o * p.extent + c) * p.inner
                        for i in base..<(base + p.inner) { py[i] = Float(Int64(px[i]) - z) * s }
                    }
                }
            }
        }
    }
    switch x.dtype {
    case .uint8: run(UInt8.self)
    case .int8: run(Int8.self)
    case .uint16: run(UInt16.self)
    case .int16: run(Int16.self)
    case .int32: run(Int32.self)
    default: throw RuntimeError.dtype("DequantizeLinear: x must be uint8, int8, uint16, int16 or int32, got \(x.dtype)")
    }
    return y
}

/// uint8 quantization of a float32 tensor with the scale and zero point that map
/// [min(x, 0), max(x, 0)] onto [0, 255] (scale 1 when that range is empty). NaNs are skipped
/// when finding the range.
private func dynamicQuantize(_ x: Tensor, _ ctx: KernelContext) throws -> [Tensor] {
    guard x.dtype == .float32 else { throw RuntimeError.dtype("DynamicQuantizeLinear needs a float32 input, got \(x.dtype)") }
    var lo: Float = 0, hi: Float = 0
    x.withElements(Float.self) { p in
        for i in 0..<x.count {
            lo = min(lo, p[i])
            hi = max(hi, p[i])
        }
    }
    let scale: Float = hi == lo ? 1 : (hi - lo) / 255
    let zero = min(max(0 - lo / scale, 0), 255).rounded(.toNearestOrEven)
    let params = QuantizationParameters(scale: scale, zeroPoint: Double(zero), count: x.count)
    return [try quantize(x, params, .uint8, ctx), Tensor(scalar: scale), Tensor(shape: [], values: [UInt8(zero)])]
}

// MARK: quantized products

/// Scale values of a product operand: one, or `count` (per row/column/channel).
private func scales(_ t: Tensor, count: Int, _ what: String) throws -> [Float] {
    guard t.dtype.isFloatingPoint else { throw RuntimeError.dtype("\(what) must be floating-point, got \(t.dtype)") }
    guard t.count == 1 || (t.rank == 1 && t.count == count) else {
        throw RuntimeError.invalid("\(what) must be a scalar or hold \(count) values, got shape \(t.shape)")
    }
    return t.doubles.map { Float($0) }
}

/// y[f] = saturate(round_half_even(acc[f] · multiplier[(f / inner) % period] + zero point))
/// for exact integer sums `acc` (float64), whose count is a multiple of `inner`; multipliers
/// are input scale products over the output scale, formed in float32 like the ONNX
/// reference (which also adds the zero point before rounding).
private func requantize(_ acc: Tensor, multipliers: [Float], inner: Int, zeroPoint: Tensor?, dtype: DType,
                        _ ctx: KernelContext) throws -> Tensor {
    let (lo, hi) = try quantizedRange(dtype, ctx.node.opType)
    if let zeroPoint, zeroPoint.count != 1 {
        throw RuntimeError.invalid("\(ctx.node.opType): y_zero_point must be a scalar, got shape \(zeroPoint.shape)")
    }
    let z = zeroPoint?.doubles[0] ?? 0
    let period = multipliers.count
    var y = ctx.allocate(acc.shape, dtype, zeroed: false)
    func run<T: FixedWidthInteger & TensorElement>(_: T.Type) {
        guard acc.count > 0 else { return }
        acc.withElements(Double.self) { pa in
            y.withMutableElements(T.self) { py in
                for block in 0..<(acc.count / inner) {
                    let m = Double(multipliers[block % period])
                    for f in (block * inner)..<((block + 1) * inner) {
                        let v = (pa[f] * m + z).rounded(.toNearestOrEven)
                        py[f] = v.isNaN ? T(z) : T(min(max(v, Double(lo)), Double(hi)))
                    }
                }
            }
        }
    }
    switch dtype {
    case .uint8: run(UInt8.self)
    case .int8: run(Int8.self)
    case .uint16: run(UInt16.self)
    default: run(Int16.self)
    }
    return y
}

/// Per-tensor, or per-row of A and per-column of B, scales and zero points.
private func qlinearMatMul(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let a = try inputs.required(0), b = try inputs.required(3)
    let yScale = try inputs.required(6, "y_scale"), yZero = inputs.optional(7)
    let geo = try MatMulGeometry(a: a.shape, b: b.shape)
    let acc = try matmul(Double.self, zeroPointCentered(a, inputs.optional(2), axis: a.rank - 2, "a"),
                         zeroPointCentered(b, inputs.optional(5), axis: b.rank - 1, "b"), geo, ctx)
    let sa = try scales(inputs.required(1, "a_scale"), count: geo.m, "a_scale")
    let sb = try scales(inputs.required(4, "b_scale"), count: geo.n, "b_scale")
    let sy = try scales(yScale, count: 1, "y_scale")[0]
    // One multiplier per (row, column) of each output matrix.
    var multipliers = [Float](repeating: 0, count: geo.m * geo.n)
    for i in 0..<geo.m {
        for j in 0..<geo.n { multipliers[i * geo.n + j] = sa[sa.count == 1 ? 0 : i] * sb[sb.count == 1 ? 0 : j] / sy }
    }
    return try requantize(acc, multipliers: multipliers, inner: 1, zeroPoint: yZero, dtype: yZero?.dtype ?? a.dtype, ctx)
}

/// Per-tensor x and y quantization, per-tensor or per-output-channel w quantization, and an
/// optional int32 bias added to the integer sums.
private func qlinearConv(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let x = try inputs.required(0), w = try inputs.required(3, "w")
    let yZero = inputs.optional(7)
    let geo = try ConvGeometry(node: ctx.node, input: x.shape, weight: w.shape, transposed: false)
    if let xz = inputs.optional(2), xz.count != 1 {
        throw RuntimeError.invalid("QLinearConv: x_zero_point must be a scalar (per-tensor), got shape \(xz.shape)")
    }
    var bias: Tensor? = nil
    if let b = inputs.optional(8) {
        guard b.dtype == .int32, b.shape == [geo.outChannels] else {
            throw RuntimeError.invalid("QLinearConv: B must be int32 of shape [\(geo.outChannels)], got \(b.dtype)\(b.shape)")
        }
        bias = b.converted(to: .float64)
    }
    // Centering first makes zero padding equal to padding with x_zero_point.
    let acc = try convolve(Double.self, zeroPointCentered(x, inputs.optional(2), axis: 1, "x"),
                           zeroPointCentered(w, inputs.optional(5), axis: 0, "w"), bias, geo, ctx)
    let sx = try scales(inputs.required(1, "x_scale"), count: 1, "x_scale")[0]
    let sw = try scales(inputs.required(4, "w_scale"), count: geo.outChannels, "w_scale")
    let sy = try scales(inputs.required(6, "y_scale"), count: 1, "y_scale")[0]
    let multipliers = sw.map { sx * $0 / sy }
    return try requantize(acc, multipliers: multipliers, inner: sw.count == 1 ? acc.count : geo.outputSpatialSize,
                          zeroPoint: yZero, dtype: yZero?.dtype ?? x.dtype, ctx)
}
