import Foundation

/// Pointwise activations, Clip, PRelu and the softmax family.
func registerActivationOps(into r: OpRegistry) {
    r.register("Relu") { inputs, ctx in
        let x = try inputs.required(0)
        return [x.dtype.isInteger ? try integerRelu(x, ctx) : try mapFloat(x, ctx, { relu($0) }, { relu($0) })]
    }
    r.register("LeakyRelu") { inputs, ctx in
        let a = ctx.node.float("alpha", default: 0.01)
        return [try mapFloat(inputs.required(0), ctx, { leakyRelu($0, a) }, { leakyRelu($0, Double(a)) })]
    }
    r.register("Elu") { inputs, ctx in
        let a = ctx.node.float("alpha", default: 1)
        return [try mapFloat(inputs.required(0), ctx, { elu($0, a) }, { elu($0, Double(a)) })]
    }
    r.register("Selu") { inputs, ctx in
        let a = ctx.node.float("alpha", default: 1.67326319217681884765625)
        let g = ctx.node.float("gamma", default: 1.05070102214813232421875)
        return [try mapFloat(inputs.required(0), ctx, { g * elu($0, a) }, { Double(g) * elu($0, Double(a)) })]
    }
    r.register("Celu") { inputs, ctx in
        let a = ctx.node.float("alpha", default: 1)
        guard a != 0 else { throw RuntimeError.invalid("Celu: alpha must not be 0") }
        return [try mapFloat(inputs.required(0), ctx, { celu($0, a) }, { celu($0, Double(a)) })]
    }
    r.register("ThresholdedRelu") { inputs, ctx in
        let a = ctx.node.float("alpha", default: 1)
        return [try mapFloat(inputs.required(0), ctx, { $0 > a ? $0 : 0 }, { $0 > Double(a) ? $0 : 0 })]
    }
    r.register("Tanh") { inputs, ctx in [try mapFloat(inputs.required(0), ctx, { Float.hyperbolicTangent($0) }, { Double.hyperbolicTangent($0) })] }
    r.register("Sigmoid") { inputs, ctx in [try mapFloat(inputs.required(0), ctx, { sigmoid($0) }, { sigmoid($0) })] }
    r.register("HardSigmoid") { inputs, ctx in
        let a = ctx.node.float("alpha", default: 0.2), b = ctx.node.float("beta", default: 0.5)
        return [try mapFloat(inputs.required(0), ctx, { hardSigmoid($0, a, b) }, { hardSigmoid($0, Double(a), Double(b)) })]
    }
    r.register("HardSwish") { inputs, ctx in
        [try mapFloat(inputs.required(0), ctx, { $0 * hardSigmoid($0, 1 / 6, 0.5) }, { $0 * hardSigmoid($0, 1 / 6, 0.5) })]
    }
    r.register("Softplus") { inputs, ctx in [try mapFloat(inputs.required(0), ctx, { softplus($0) }, { softplus($0) })] }
    r.register("Softsign") { inputs, ctx in [try mapFloat(inputs.required(0), ctx, { $0 / (1 + $0.magnitude) }, { $0 / (1 + $0.magnitude) })] }
    r.register("Mish") { inputs, ctx in
        [try mapFloat(inputs.required(0), ctx, { $0 * Float.hyperbolicTangent(softplus($0)) },
                      { $0 * Double.hyperbolicTangent(softplus($0)) })]
    }
    r.register("Gelu") { inputs, ctx in
        let approximate = ctx.node.string("approximate", default: "none")
        guard approximate == "none" || approximate == "tanh" else {
            throw RuntimeError.invalid("Gelu: approximate must be \"none\" or \"tanh\", got \"\(approximate)\"")
        }
        let tanh = approximate == "tanh"
        return [try mapFloat(inputs.required(0), ctx, { tanh ? geluTanh($0) : gelu($0) }, { tanh ? geluTanh($0) : gelu($0) })]
    }

    r.register("Clip") { inputs, ctx in [try clip(inputs, ctx)] }
    r.register("PRelu") { inputs, ctx in [try prelu(inputs, ctx)] }

    r.register("Softmax") { inputs, ctx in [try softmaxFamily(.softmax, inputs, ctx)] }
    r.register("LogSoftmax") { inputs, ctx in [try softmaxFamily(.logSoftmax, inputs, ctx)] }
    r.register("Hardmax") { inputs, ctx in [try softmaxFamily(.hardmax, inputs, ctx)] }
    registerActivationVJPs(into: r)
}

// MARK: pointwise definitions

// Comparisons are written so that NaN passes through unchanged.
@inline(__always) private func relu<T: FloatMath>(_ x: T) -> T { x < 0 ? 0 : x }
@inline(__always) private func leakyRelu<T: FloatMath>(_ x: T, _ a: T) -> T { x < 0 ? a * x : x }
@inline(__always) private func elu<T: FloatMath>(_ x: T, _ a: T) -> T { x < 0 ? a * (T.exponential(x) - 1) : x }
@inline(__always) private func celu<T: FloatMath>(_ x: T, _ a: T) -> T { x < 0 ? a * (T.exponential(x / a) - 1) : x }
@inline(__always) private func hardSigmoid<T: FloatMath>(_ x: T, _ a: T, _ b: T) -> T { max(0, min(1, a * x + b)) }

/// Never evaluates exp of a large positive number, so it neither overflows nor loses the tail.
@inline(__always) private func sigmoid<T: FloatMath>(_ x: T) -> T {
    if x >= 0 { return 1 / (1 + T.exponential(-x)) }
    let e = T.exponential(x)
    return e / (1 + e)
}

/// log(1 + e^x) without overflow for large x.
@inline(__always) private func softplus<T: FloatMath>(_ x: T) -> T {
    x > 0 ? x + T.logOnePlus(T.exponential(-x)) : T.logOnePlus(T.exponential(x))
}

@inline(__always) private func gelu<T: FloatMath>(_ x: T) -> T {
    x * (1 + T.errorFunction(x * T(0.70710678118654752440))) / 2
}
@inline(__always) private func geluTanh<T: FloatMath>(_ x: T) -> T {
    x * (1 + T.hyperbolicTangent(T(0.79788456080286535588) * (x + T(0.044715) * x * x * x))) / 2
}

/// Relu for the signed integer types ONNX allows (opset 14).
private func integerRelu(_ x: Tensor, _ ctx: KernelContext) throws -> Tensor {
    switch x.dtype {
    case .int8: return mapSame(x, ctx, Int8.self) { max($0, 0) }
    case .int16: return mapSame(x, ctx, Int16.self) { max($0, 0) }
    case .int32: return mapSame(x, ctx, Int32.self) { max($0, 0) }
    case .int64: return mapSame(x, ctx, Int64.self) { max($0, 0) }
    default: throw RuntimeError.dtype("Relu does not support element type \(x.dtype)")
    }
}

/// `y[i] = f(x[i])` for element type `T`.
@inline(__always)
private func mapSame<T: TensorElement>(_ x: Tensor, _ ctx: KernelContext, _: T.Type, _ f: (T) -> T) -> Tensor {
    var y = ctx.allocate(x.shape, x.dtype, zeroed: false)
    let n = x.count
    x.withElements(T.self) { s in y.withMutableElements(T.self) { d in for i in 0..<n { d[i] = f(s[i]) } } }
    return y
}

// MARK: Clip

/// Bounds are attributes `min`/`max` before opset 11 (float only), optional scalar inputs
/// from 11 on (any numeric type). An absent bound does not clip; min > max yields max.
private func clip(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let x = try inputs.required(0)
    if ctx.opset < 11 {
        let lo = ctx.node.float("min", default: -.infinity), hi = ctx.node.float("max", default: .infinity)
        return try mapFloat(x, ctx, { clamp($0, lo, hi) }, { clamp($0, Double(lo), Double(hi)) })
    }
    let lo = inputs.optional(1), hi = inputs.optional(2)
    for (b, name) in [(lo, "min"), (hi, "max")] {
        if let b, b.dtype != x.dtype {
            throw RuntimeError.dtype("Clip: \(name) must have the input's type \(x.dtype), got \(b.dtype)")
        }
    }
    if x.dtype == .bfloat16 {
        let f = { (t: Tensor) in t.converted(to: .float32) }
        return try ClipVisitor(x: f(x), lo: lo.map(f), hi: hi.map(f), ctx: ctx).floating(Float.self).converted(to: .bfloat16)
    }
    return try x.dtype.visit(ClipVisitor(x: x, lo: lo, hi: hi, ctx: ctx), op: "Clip")
}

@inline(__always) private func clamp<T: Comparable>(_ x: T, _ lo: T, _ hi: T) -> T {
    var v = x
    if v < lo { v = lo }
    if v > hi { v = hi }
    return v
}

private struct ClipVisitor: NumericVisitor {
    let x: Tensor, lo: Tensor?, hi: Tensor?, ctx: KernelContext
    private func run<T: TensorElement & Comparable>(_: T.Type, _ lowest: T, _ highest: T) throws -> Tensor {
        let l = try lo.map { try scalarValue($0, T.self, "Clip min") } ?? lowest
        let h = try hi.map { try scalarValue($0, T.self, "Clip max") } ?? highest
        return mapSame(x, ctx, T.self) { clamp($0, l, h) }
    }
    func floating<T: BinaryFloatingPoint & TensorElement>(_: T.Type) throws -> Tensor { try run(T.self, -.infinity, .infinity) }
    func integer<T: FixedWidthInteger & TensorElement>(_: T.Type) throws -> Tensor { try run(T.self, .min, .max) }
}

// MARK: PRelu

/// y = x < 0 ? slope * x : x, the slope broadcasting unidirectionally to x.
private func prelu(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let x = try inputs.required(0), slope = try inputs.required(1)
    guard x.dtype == slope.dtype else { throw RuntimeError.dtype("PRelu: slope must have the input's type \(x.dtype), got \(slope.dtype)") }
    let bc = try Broadcast([x.shape, slope.shape])
    guard bc.shape == x.shape else {
        throw RuntimeError.invalid("PRelu: slope shape \(slope.shape) does not broadcast to input shape \(x.shape)")
    }
    return try viaFloat32([x, slope]) { t in try t[0].dtype.visit(PReluVisitor(x: t[0], slope: t[1], bc: bc, ctx: ctx), op: "PRelu") }
}

private struct PReluVisitor: NumericVisitor {
    let x: Tensor, slope: Tensor, bc: Broadcast, ctx: KernelContext
    func floating<T: BinaryFloatingPoint & TensorElement>(_: T.Type) throws -> Tensor {
        var y = ctx.allocate(x.shape, T.dtype, zeroed: false)
        broadcastLoop(bc, x, slope, into: &y, T.self, T.self, T.self) { $0 < 0 ? $0 * $1 : $0 }
        return y
    }
    func integer<T: FixedWidthInteger & TensorElement>(_: T.Type) throws -> Tensor {
        var y = ctx.allocate(x.shape, T.dtype, zeroed: false)
        broadcastLoop(bc, x, slope, into: &y, T.self, T.self, T.self) { $0 < 0 ? $0 &* $1 : $0 }
        return y
    }
}

// MARK: Softmax, LogSoftmax, Hardmax

enum SoftmaxKind { case softmax, logSoftmax, hardmax }

/// Before opset 13 the input is coerced to 2-D at `axis` (default 1) and normalised over the
/// flattened trailing block; from 13 on it is normalised along `axis` alone (default -1).
/// Either way the data is viewed as [outer, n, inner] and normalised over n.
private func softmaxFamily(_ kind: SoftmaxKind, _ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let x = try inputs.required(0)
    let (outer, n, inner) = try softmaxBlocks(of: x.shape, ctx)

    func run<T: FloatMath>(_ x: Tensor, _: T.Type) -> Tensor {
        var y = ctx.allocate(x.shape, x.dtype, zeroed: kind == .hardmax)
        x.withElements(T.self) { px in
            y.withMutableElements(T.self) { py in softmaxBlocks(kind, px, py, outer: outer, n: n, inner: inner) }
        }
        return y
    }
    switch x.dtype {
    case .float32: return run(x, Float.self)
    case .float64: return run(x, Double.self)
    case .float16, .bfloat16: return run(x.converted(to: .float32), Float.self).converted(to: x.dtype)
    default:
        throw RuntimeError.dtype("\(ctx.node.opType) needs a floating-point input (float16/float32/float64/bfloat16), got \(x.dtype)")
    }
}

/// The [outer, n, inner] view of a softmax input of `shape`: normalised over n.
private func softmaxBlocks(of shape: [Int], _ ctx: KernelContext) throws -> (outer: Int, n: Int, inner: Int) {
    let r = shape.count
    let legacy = ctx.opset < 13
    let attr = ctx.node.int("axis", default: legacy ? 1 : -1)
    // The coerced 2-D form also accepts axis == rank (a single column).
    let upper = legacy ? r : r - 1
    guard attr >= -r && attr <= upper else {
        throw RuntimeError.invalid("\(ctx.node.opType): axis \(attr) is out of range for rank \(r) (allowed \(-r)...\(upper))")
    }
    let axis = attr < 0 ? attr + r : attr
    let outer = shape[..<axis].reduce(1, *)
    let n = legacy ? shape[axis...].reduce(1, *) : shape[axis]
    let inner = legacy ? 1 : shape[(axis + 1)...].reduce(1, *)
    return (outer, n, inner)
}

/// Normalises each of `outer` blocks of [n, inner] over n. Works a whole block row at a time
/// (vectors of length `inner`), so memory is read contiguously for every axis.
func softmaxBlocks<T: FloatMath>(_ kind: SoftmaxKind, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                         outer: Int, n: Int, inner: Int) {
    guard n > 0 && inner > 0 else { return }
    if inner == 1 && kind != .hardmax {
        // Contiguous rows (the innermost axis, the common case): scalar running values.
        for o in 0..<outer {
            let px = x + o * n, py = y + o * n
            var m = px[0]
            for k in 1..<n where px[k] > m { m = px[k] }
            var sum: T = 0
            for k in 0..<n {
                let e = T.exponential(px[k] - m)
                py[k] = e
                sum += e
            }
            if kind == .softmax {
                let r = 1 / sum
                for k in 0..<n { py[k] *= r }
            } else {
                let shift = m + T.logarithm(sum)
                for k in 0..<n { py[k] = px[k] - shift }
            }
        }
        return
    }
    let scratch = UnsafeMutablePointer<T>.allocate(capacity: 2 * inner)
    let best = UnsafeMutablePointer<Int>.allocate(capacity: inner)
    defer { scratch.deallocate(); best.deallocate() }
    let m = scratch, s = scratch + inner
    for o in 0..<outer {
        let px = x + o * n * inner, py = y + o * n * inner
        // Running maximum and where it is (first occurrence wins, as Hardmax requires).
        for i in 0..<inner { m[i] = px[i]; s[i] = 0; best[i] = 0 }
        for k in 1..<n {
            let row = px + k * inner
            for i in 0..<inner where row[i] > m[i] {
                m[i] = row[i]
                best[i] = k
            }
        }
        if kind == .hardmax {
            for i in 0..<inner { py[best[i] * inner + i] = 1 }
            continue
        }
        for k in 0..<n {
            let row = px + k * inner, out = py + k * inner
            for i in 0..<inner {
                let e = T.exponential(row[i] - m[i])
                out[i] = e
                s[i] += e
            }
        }
        if kind == .softmax {
            for i in 0..<inner { s[i] = 1 / s[i] }
            for k in 0..<n {
                let out = py + k * inner
                for i in 0..<inner { out[i] *= s[i] }
            }
        } else {
            for i in 0..<inner { s[i] = m[i] + T.logarithm(s[i]) }
            for k in 0..<n {
                let row = px + k * inner, out = py + k * inner
                for i in 0..<inner { out[i] = row[i] - s[i] }
            }
        }
    }
}

// MARK: gradients

/// Reverse-mode rules. Kinks take the one-sided derivative of the branch the forward takes
/// (Relu'(0) = 0, Clip passes the gradient at its bounds). Hardmax is piecewise constant:
/// no gradient.
private func registerActivationVJPs(into r: OpRegistry) {
    r.markNonDifferentiable(["Hardmax"], because: "it is piecewise constant (a one-hot of the maximum)")
    r.registerVJP("Relu") { c in try c.pointwise(ReluGradient()) }
    r.registerVJP("LeakyRelu") { c in try c.pointwise(LeakyReluGradient(alpha: Double(c.node.float("alpha", default: 0.01)))) }
    r.registerVJP("Elu") { c in try c.pointwise(EluGradient(alpha: Double(c.node.float("alpha", default: 1)), gamma: 1)) }
    r.registerVJP("Selu") { c in
        try c.pointwise(EluGradient(alpha: Double(c.node.float("alpha", default: 1.67326319217681884765625)),
                                    gamma: Double(c.node.float("gamma", default: 1.05070102214813232421875))))
    }
    r.registerVJP("Celu") { c in try c.pointwise(CeluGradient(alpha: Double(c.node.float("alpha", default: 1)))) }
    r.registerVJP("ThresholdedRelu") { c in
        try c.pointwise(ThresholdedReluGradient(alpha: Double(c.node.float("alpha", default: 1))))
    }
    r.registerVJP("Tanh") { c in try c.pointwise(TanhGradient()) }
    r.registerVJP("Sigmoid") { c in try c.pointwise(SigmoidGradient()) }
    r.registerVJP("HardSigmoid") { c in
        try c.pointwise(HardSigmoidGradient(alpha: Double(c.node.float("alpha", default: 0.2)),
                                            beta: Double(c.node.float("beta", default: 0.5))))
    }
    r.registerVJP("HardSwish") { c in try c.pointwise(HardSwishGradient()) }
    r.registerVJP("Softplus") { c in try c.pointwise(SoftplusGradient()) }
    r.registerVJP("Softsign") { c in try c.pointwise(SoftsignGradient()) }
    r.registerVJP("Mish") { c in try c.pointwise(MishGradient()) }
    r.registerVJP("Gelu") { c in
        let approximate = c.node.string("approximate", default: "none")
        return approximate == "tanh" ? try c.pointwise(GeluTanhGradient()) : try c.pointwise(GeluGradient())
    }
    // The bounds (inputs 1 and 2 from opset 11) get no gradient.
    r.registerVJP("Clip") { c in
        guard let x = c.inputs[0], x.dtype.isFloatingPoint else { return [nil] }
        let lo: Double, hi: Double
        if c.opset < 11 {
            lo = Double(c.node.float("min", default: -.infinity))
            hi = Double(c.node.float("max", default: .infinity))
        } else {
            lo = try c.inputs.optional(1).map { try scalarValue($0.converted(to: .float64), Double.self, "Clip min") } ?? -.infinity
            hi = try c.inputs.optional(2).map { try scalarValue($0.converted(to: .float64), Double.self, "Clip max") } ?? .infinity
        }
        return try c.pointwise(ClipGradient(lo: lo, hi: hi)) + [nil, nil]
    }
    r.registerVJP("PRelu") { c in
        let x = try c.inputs.required(0), slope = try c.inputs.required(1)
        return [try c.broadcast(0, x, slope, PReluInputGradient()), try c.broadcast(1, x, slope, PReluSlopeGradient())]
    }
    r.registerVJP("Softmax") { c in [try softmaxGradient(c, log: false)] }
    r.registerVJP("LogSoftmax") { c in [try softmaxGradient(c, log: true)] }
}

private struct ReluGradient: PointwiseGradient { func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T { x > 0 ? g : 0 } }
private struct LeakyReluGradient: PointwiseGradient {
    let alpha: Double
    func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T { x < 0 ? T(alpha) * g : g }
}
/// Elu (gamma = 1) and Selu: y = γ·α(eˣ − 1) below 0, so y' = y + γα there, γ above.
private struct EluGradient: PointwiseGradient {
    let alpha: Double, gamma: Double
    func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T { x < 0 ? g * (y + T(gamma * alpha)) : g * T(gamma) }
}
/// y = α(e^(x/α) − 1) below 0: y' = y/α + 1.
private struct CeluGradient: PointwiseGradient {
    let alpha: Double
    func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T { x < 0 ? g * (y / T(alpha) + 1) : g }
}
private struct ThresholdedReluGradient: PointwiseGradient {
    let alpha: Double
    func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T { x > T(alpha) ? g : 0 }
}
private struct TanhGradient: PointwiseGradient { func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T { g * (1 - y * y) } }
private struct SigmoidGradient: PointwiseGradient { func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T { g * y * (1 - y) } }
private struct HardSigmoidGradient: PointwiseGradient {
    let alpha: Double, beta: Double
    func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T {
        let v = T(alpha) * x + T(beta)
        return v > 0 && v < 1 ? T(alpha) * g : 0
    }
}
/// y = x·clamp(x/6 + 1/2, 0, 1): 0 below −3, 1 above 3, (2x + 3)/6 between.
private struct HardSwishGradient: PointwiseGradient {
    func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T { x < -3 ? 0 : (x > 3 ? g : g * (2 * x + 3) / 6) }
}
private struct SoftplusGradient: PointwiseGradient { func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T { g * sigmoid(x) } }
private struct SoftsignGradient: PointwiseGradient {
    func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T {
        let d = 1 + x.magnitude
        return g / (d * d)
    }
}
/// y = x·tanh(softplus x): y' = tanh(sp) + x·(1 − tanh²(sp))·σ(x).
private struct MishGradient: PointwiseGradient {
    func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T {
        let t = T.hyperbolicTangent(softplus(x))
        return g * (t + x * (1 - t * t) * sigmoid(x))
    }
}
/// y = x·Φ(x): y' = Φ(x) + x·φ(x).
private struct GeluGradient: PointwiseGradient {
    func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T {
        let cdf = (1 + T.errorFunction(x * T(0.70710678118654752440))) / 2
        let pdf = T.exponential(-x * x / 2) * T(0.39894228040143267794)
        return g * (cdf + x * pdf)
    }
}
/// y = x(1 + tanh u)/2 with u = k(x + c·x³): y' = (1 + tanh u)/2 + x(1 − tanh² u)·u'/2.
private struct GeluTanhGradient: PointwiseGradient {
    func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T {
        let k = T(0.79788456080286535588), c = T(0.044715)
        let x2 = x * x
        let t = T.hyperbolicTangent(k * x * (1 + c * x2))
        let du = k * (1 + 3 * c * x2)
        let dt = (1 - t * t) * du
        return g * ((1 + t) + x * dt) / 2
    }
}
private struct ClipGradient: PointwiseGradient {
    let lo: Double, hi: Double
    func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T { x >= T(lo) && x <= T(hi) ? g : 0 }
}
private struct PReluInputGradient: BroadcastGradient {
    func callAsFunction<T: FloatMath>(_ x: T, _ slope: T, _ g: T) -> T { x < 0 ? g * slope : g }
}
private struct PReluSlopeGradient: BroadcastGradient {
    func callAsFunction<T: FloatMath>(_ x: T, _ slope: T, _ g: T) -> T { x < 0 ? g * x : 0 }
}

/// Softmax: dx = y ⊙ (g − Σ g·y); LogSoftmax: dx = g − eʸ ⊙ Σ g; sums over each block's n.
private func softmaxGradient(_ c: VJPContext, log: Bool) throws -> Tensor? {
    guard c.needs(0), let x = c.inputs[0], x.dtype.isFloatingPoint, let y = c.outputs.first ?? nil else { return nil }
    let (outer, n, inner) = try softmaxBlocks(of: x.shape, c.kernelContext)
    return try SoftmaxGradient(outer: outer, n: n, inner: inner, log: log).run([y, try c.outputGrad(0)], as: x.dtype)
}

private struct SoftmaxGradient: FloatComputation {
    let outer: Int, n: Int, inner: Int, log: Bool
    func compute<T: FloatMath>(_ ts: [Tensor], _: T.Type) throws -> Tensor {
        let (y, g) = (ts[0], ts[1])
        var out = Tensor(zeros: y.shape, dtype: T.dtype)
        guard n > 0 && inner > 0 else { return out }
        var sums = [T](repeating: 0, count: inner)
        y.withElements(T.self) { py in
            g.withElements(T.self) { pg in
                out.withMutableElements(T.self) { po in
                    sums.withUnsafeMutableBufferPointer { s in
                        for o in 0..<outer {
                            let base = o * n * inner
                            for i in 0..<inner { s[i] = 0 }
                            // Block rows of length `inner`, read contiguously.
                            for k in 0..<n {
                                let row = base + k * inner
                                if log { for i in 0..<inner { s[i] += pg[row + i] } }
                                else { for i in 0..<inner { s[i] += pg[row + i] * py[row + i] } }
                            }
                            for k in 0..<n {
                                let row = base + k * inner
                                if log { for i in 0..<inner { po[row + i] = pg[row + i] - T.exponential(py[row + i]) * s[i] } }
                                else { for i in 0..<inner { po[row + i] = py[row + i] * (pg[row + i] - s[i]) } }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
