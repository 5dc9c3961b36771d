import Foundation

/// Pad, Resize and Upsample. Both are separable: each axis gets a precomputed table (source
/// index per output position, plus weights for interpolation), so the inner loops only read
/// tables. Index-only cases (Pad, nearest Resize) move bytes and work for every dtype.
func registerResizePadOps(into r: OpRegistry) {
    r.register("Pad") { inputs, ctx in try [pad(inputs, ctx)] }
    r.register("Resize") { inputs, ctx in try [resize(inputs, ctx, upsample: false)] }
    r.register("Upsample") { inputs, ctx in try [resize(inputs, ctx, upsample: true)] }
    registerResizePadVJPs(into: r)
}

// MARK: Pad

/// Where a Pad puts the input: per-axis begin/end pads (negative ones crop), the result
/// shape, the mode and the constant.
private struct PadPlan {
    var mode: String
    var begin: [Int], end: [Int]
    var shape: [Int]
    var value: Tensor

    /// Overlap of input and output (constant mode): start in the input, in the output, extent.
    var region: (src: [Int], dst: [Int], extent: [Int]) {
        let src = begin.map { max(0, -$0) }, dst = begin.map { max(0, $0) }
        let extent = shape.indices.map { max(0, min(shape[$0] - begin[$0] - end[$0] - src[$0], shape[$0] - dst[$0])) }
        return (src, dst, extent)
    }

    /// Input index read by each output position along each axis (edge, reflect, wrap).
    func maps(_ xShape: [Int]) throws -> [[Int]] {
        try (0..<xShape.count).map { a -> [Int] in
            let n = xShape[a]
            if shape[a] > 0 && n == 0 { throw RuntimeError.invalid("mode '\(mode)' cannot pad axis \(a) of size 0") }
            return try (0..<shape[a]).map { o -> Int in
                let i = o - begin[a]
                switch mode {
                case "edge": return min(max(i, 0), n - 1)
                case "wrap": return ((i % n) + n) % n
                case "reflect":
                    if n == 1 { return 0 }
                    let period = 2 * (n - 1)
                    let m = ((i % period) + period) % period
                    return m < n ? m : period - m
                default: throw RuntimeError.invalid("mode must be constant, reflect, edge or wrap, got '\(mode)'")
                }
            }
        }
    }
}

private func padPlan(_ x: Tensor, _ inputs: [Tensor?], _ ctx: KernelContext) throws -> PadPlan {
    let mode = ctx.node.string("mode", default: "constant")
    let pads: [Int], value: Tensor, axesGiven: [Int]?
    if ctx.opset < 11 {
        // Opset 1 called the attribute `paddings`.
        guard let p = ctx.node.ints("pads") ?? ctx.node.ints("paddings") else {
            throw RuntimeError.invalid("Pad (opset < 11) needs the 'pads' attribute")
        }
        pads = p
        value = Tensor(shape: [], dtype: x.dtype, doubles: [Double(ctx.node.float("value", default: 0))])
        axesGiven = nil
    } else {
        pads = try inputs.required(1, "pads input").ints
        if let v = inputs.optional(2), v.count > 0 {
            guard v.dtype == x.dtype, v.count == 1 else {
                throw RuntimeError.invalid("constant_value must be one \(x.dtype) element, got \(v.dtype)\(v.shape)")
            }
            value = v
        } else {
            value = Tensor(shape: [], dtype: x.dtype, doubles: [0])
        }
        axesGiven = inputs.optional(3)?.ints
    }
    let axes = try DataMovement.axes(axesGiven ?? Array(0..<x.rank), rank: x.rank)
    guard pads.count == 2 * axes.count, pads.allSatisfy({ $0 > -(1 << 40) && $0 < 1 << 40 }) else {
        throw RuntimeError.invalid("pads \(pads) must be 2 × \(axes.count) sizes (begins then ends) for shape \(x.shape)")
    }
    var begin = [Int](repeating: 0, count: x.rank), end = begin
    for (i, a) in axes.enumerated() { begin[a] = pads[i]; end[a] = pads[axes.count + i] }
    let shape = (0..<x.rank).map { x.shape[$0] + begin[$0] + end[$0] }
    guard shape.allSatisfy({ $0 >= 0 }) else {
        throw RuntimeError.invalid("pads \(pads) crop more than the input shape \(x.shape) holds (result \(shape))")
    }
    try DataMovement.checkShape(shape, "padded shape")
    return PadPlan(mode: mode, begin: begin, end: end, shape: shape, value: value)
}

private func pad(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let x = try inputs.required(0)
    let es = try DataMovement.elementSize(x)
    let p = try padPlan(x, inputs, ctx)
    var out = ctx.allocate(p.shape, x.dtype, zeroed: false)
    out.makeUnique()
    let dst = out.storage.data
    if p.mode == "constant" {
        DataMovement.fill(dst, count: out.count, value: p.value.storage.data, elementSize: es)
        // Copy the overlap of input and output; negative pads crop.
        let r = p.region
        let ss = Tensor.strides(of: x.shape), ds = Tensor.strides(of: p.shape)
        DataMovement.stridedCopy(shape: r.extent, src: x.storage.data, srcOffset: zip(r.src, ss).reduce(0) { $0 + $1.0 * $1.1 },
                                 srcStrides: ss, dst: dst, dstOffset: zip(r.dst, ds).reduce(0) { $0 + $1.0 * $1.1 },
                                 dstStrides: ds, elementSize: es)
        return out
    }
    DataMovement.gatherAxes(src: x.storage.data, srcShape: x.shape, maps: try p.maps(x.shape), dst: dst, elementSize: es)
    return out
}

// MARK: Resize / Upsample

private enum InterpolationMode { case nearest, linear, cubic }

/// Everything that decides how one output coordinate maps back onto the input.
private struct ResizeSettings {
    var mode: InterpolationMode
    var coordinateMode: String
    /// "simple" is the pre-opset-11 rule (ceil when downsampling, floor otherwise).
    var nearestMode: String
    var cubicA: Double
    var excludeOutside: Bool
    var extrapolation: Double
    var antialias: Bool
}

/// One axis' table: for output position o, taps idx[o·taps + k] (clamped into the input)
/// with weights w[o·taps + k].
private struct AxisTable {
    var taps: Int
    var idx: [Int]
    var w: [Float]
}

/// How a Resize maps its output onto its input: the output shape, the per-axis scales, the
/// axes that change and, for each of them, every output position's source coordinate.
private struct ResizePlan {
    var settings: ResizeSettings
    var outShape: [Int]
    var scale: [Double]
    var active: [Int]
    var coords: [[Double]]

    /// Active axis i's taps and weights (nearest: one tap of weight 1).
    func table(_ i: Int, inLen: Int) -> AxisTable {
        let a = active[i]
        if settings.mode == .nearest {
            let idx = nearestIndices(coords[i], inLen: inLen, downsampling: scale[a] < 1, settings.nearestMode)
            return AxisTable(taps: 1, idx: idx, w: [Float](repeating: 1, count: idx.count))
        }
        return interpolationTable(coords[i], inLen: inLen, scale: scale[a], settings)
    }
}

private func resizePlan(_ x: Tensor, _ inputs: [Tensor?], _ ctx: KernelContext, upsample: Bool) throws -> ResizePlan {
    let rank = x.rank
    let old = upsample || ctx.opset < 11
    let modeName = ctx.node.string("mode", default: "nearest")
    let mode: InterpolationMode
    switch modeName {
    case "nearest": mode = .nearest
    case "linear", "bilinear": mode = .linear
    case "cubic" where !old: mode = .cubic
    default: throw RuntimeError.invalid("mode must be nearest, linear or cubic, got '\(modeName)'")
    }
    let settings = ResizeSettings(
        mode: mode,
        coordinateMode: old ? "asymmetric" : ctx.node.string("coordinate_transformation_mode", default: "half_pixel"),
        nearestMode: old ? "simple" : ctx.node.string("nearest_mode", default: "round_prefer_floor"),
        cubicA: Double(ctx.node.float("cubic_coeff_a", default: -0.75)),
        excludeOutside: ctx.node.int("exclude_outside", default: 0) != 0,
        extrapolation: Double(ctx.node.float("extrapolation_value", default: 0)),
        antialias: ctx.node.int("antialias", default: 0) != 0)

    // Which axes the scales/sizes/roi describe (opset 18 `axes`), and their values.
    let axes = try DataMovement.axes(ctx.node.ints("axes") ?? Array(0..<rank), rank: rank)
    func nonEmpty(_ i: Int) -> Tensor? { inputs.optional(i).flatMap { $0.count > 0 ? $0 : nil } }
    let scalesGiven: [Double]?, sizesGiven: [Int]?, roiGiven: [Double]?
    if upsample && ctx.opset < 9 {
        scalesGiven = ctx.node.floats("scales").map { $0.map(Double.init) }
        (sizesGiven, roiGiven) = (nil, nil)
    } else if old {
        scalesGiven = nonEmpty(1)?.doubles
        (sizesGiven, roiGiven) = (nil, nil)
    } else {
        (roiGiven, scalesGiven, sizesGiven) = (nonEmpty(1)?.doubles, nonEmpty(2)?.doubles, nonEmpty(3)?.ints)
    }

    var scale = [Double](repeating: 1, count: rank)
    var outShape = x.shape
    if let s = scalesGiven, sizesGiven == nil {
        guard s.count == axes.count, s.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw RuntimeError.invalid("scales \(s) must be \(axes.count) positive values")
        }
        for (i, a) in axes.enumerated() {
            scale[a] = s[i]
            let size = (s[i] * Double(x.shape[a])).rounded(.down)
            guard size < Double(1 << 40) else { throw RuntimeError.invalid("scale \(s[i]) makes axis \(a) too large") }
            outShape[a] = Int(size)
        }
    } else if let sizes = sizesGiven, scalesGiven == nil {
        guard sizes.count == axes.count, sizes.allSatisfy({ $0 >= 0 }) else {
            throw RuntimeError.invalid("sizes \(sizes) must be \(axes.count) non-negative values")
        }
        for (i, a) in axes.enumerated() {
            scale[a] = x.shape[a] == 0 ? 1 : Double(sizes[i]) / Double(x.shape[a])
            outShape[a] = sizes[i]
        }
        let policy = ctx.node.string("keep_aspect_ratio_policy", default: "stretch")
        if policy != "stretch" {
            let chosen = axes.map { scale[$0] }
            let common: Double
            switch policy {
            case "not_larger": common = chosen.min() ?? 1
            case "not_smaller": common = chosen.max() ?? 1
            default: throw RuntimeError.invalid("keep_aspect_ratio_policy must be stretch, not_larger or not_smaller, got '\(policy)'")
            }
            for a in axes {
                scale[a] = common
                let size = common * Double(x.shape[a]) + 0.5
                guard size < Double(1 << 40) else { throw RuntimeError.invalid("sizes \(sizes) make axis \(a) too large") }
                outShape[a] = Int(size)
            }
        }
    } else {
        throw RuntimeError.invalid("exactly one of scales and sizes must be given (scales: \(scalesGiven ?? []), sizes: \(sizesGiven ?? []))")
    }

    // Region of interest per axis (only tf_crop_and_resize reads it).
    var roi = [(Double, Double)](repeating: (0, 1), count: rank)
    if let r = roiGiven, settings.coordinateMode == "tf_crop_and_resize" {
        guard r.count == 2 * axes.count else {
            throw RuntimeError.invalid("roi \(r) must have 2 × \(axes.count) entries (starts then ends)")
        }
        for (i, a) in axes.enumerated() { roi[a] = (r[i], r[axes.count + i]) }
    } else if settings.coordinateMode == "tf_crop_and_resize" {
        throw RuntimeError.invalid("coordinate_transformation_mode tf_crop_and_resize needs the roi input")
    }

    try DataMovement.checkShape(outShape, "output shape")
    for a in 0..<rank where x.shape[a] == 0 && outShape[a] > 0 {
        throw RuntimeError.invalid("cannot resize axis \(a) of size 0 to \(outShape[a])")
    }
    // Axes that change (identity axes are skipped, as the reference does).
    let active = (0..<rank).filter { a in
        !(abs(scale[a] - 1) <= 1e-9 && outShape[a] == x.shape[a] && roi[a] == (0, 1))
    }
    let coords = try active.map { a in
        try sourceCoordinates(outLen: outShape[a], inLen: x.shape[a], scale: scale[a], roi: roi[a], settings.coordinateMode)
    }
    return ResizePlan(settings: settings, outShape: outShape, scale: scale, active: active, coords: coords)
}

private func resize(_ inputs: [Tensor?], _ ctx: KernelContext, upsample: Bool) throws -> Tensor {
    let x = try inputs.required(0)
    let p = try resizePlan(x, inputs, ctx, upsample: upsample)
    let (outShape, active) = (p.outShape, p.active)
    if outShape.contains(0) || active.isEmpty {
        return active.isEmpty ? x : ctx.allocate(outShape, x.dtype)
    }
    if p.settings.mode == .nearest {
        let es = try DataMovement.elementSize(x)
        var maps = x.shape.map { Array(0..<$0) }
        for (i, a) in active.enumerated() { maps[a] = p.table(i, inLen: x.shape[a]).idx }
        var out = ctx.allocate(outShape, x.dtype, zeroed: false)
        out.makeUnique()
        DataMovement.gatherAxes(src: x.storage.data, srcShape: x.shape, maps: maps, dst: out.storage.data, elementSize: es)
        try fillOutside(&out, active: active, coords: p.coords, inShape: x.shape, p.settings)
        return out
    }

    // Interpolating modes work in float32, one axis at a time.
    var cur = x.dtype == .float32 ? x : x.converted(to: .float32)
    for (i, a) in active.enumerated() {
        let table = p.table(i, inLen: x.shape[a])
        var next = cur.shape
        next[a] = outShape[a]
        var dst = ctx.allocate(next, .float32, zeroed: false)
        dst.makeUnique()
        resizeAxis(src: cur.storage.data.assumingMemoryBound(to: Float.self), dst: dst.storage.data.assumingMemoryBound(to: Float.self),
                   outer: cur.shape[..<a].reduce(1, *), inLen: cur.shape[a], inner: cur.shape[(a + 1)...].reduce(1, *), table)
        cur = dst
    }
    if x.dtype != .float32 {
        let v = cur.doubles
        cur = Tensor(shape: outShape, dtype: x.dtype, doubles: x.dtype.isInteger ? v.map { $0.rounded(.toNearestOrEven) } : v)
    }
    try fillOutside(&cur, active: active, coords: p.coords, inShape: x.shape, p.settings)
    return cur
}

/// Source coordinate of every output position along one axis, per
/// coordinate_transformation_mode (formulas as in the ONNX reference implementation).
private func sourceCoordinates(outLen: Int, inLen: Int, scale: Double, roi: (Double, Double), _ mode: String) throws -> [Double] {
    let outWidth = scale * Double(inLen)
    let n = Double(inLen)
    let f: (Double) -> Double
    switch mode {
    case "half_pixel": f = { ($0 + 0.5) / scale - 0.5 }
    case "half_pixel_symmetric":
        let offset = n / 2 * (1 - Double(outLen) / outWidth)
        f = { offset + ($0 + 0.5) / scale - 0.5 }
    case "pytorch_half_pixel": f = { outWidth == 1 ? -0.5 : ($0 + 0.5) / scale - 0.5 }
    case "align_corners": f = { outWidth == 1 ? 0 : $0 * (n - 1) / (outWidth - 1) }
    case "asymmetric": f = { $0 / scale }
    case "tf_half_pixel_for_nn": f = { ($0 + 0.5) / scale }
    case "tf_crop_and_resize":
        let (s, e) = roi
        f = { (outWidth == 1 ? (e - s) * (n - 1) / 2 : $0 * (e - s) * (n - 1) / (outWidth - 1)) + s * (n - 1) }
    default: throw RuntimeError.invalid("unknown coordinate_transformation_mode '\(mode)'")
    }
    return (0..<outLen).map { f(Double($0)) }
}

/// The left neighbour of a source coordinate and the distance to it, in (0, 1]: an integral
/// coordinate counts as the right neighbour of the one before (the reference's convention).
@inline(__always) private func leftNeighbour(_ x: Double) -> (Int, Double) {
    let fl = x.rounded(.down)
    let left = fl == x ? fl - 1 : fl
    return (Int(max(min(left, 1e15), -1e15)), x - left)
}

private func nearestIndices(_ coords: [Double], inLen: Int, downsampling: Bool, _ mode: String) -> [Int] {
    coords.map { x in
        let i: Int
        if !x.isFinite {
            i = 0
        } else if mode == "simple" {
            i = Int(max(min(downsampling ? x.rounded(.up) : x.rounded(.towardZero), 1e15), -1e15))
        } else {
            let (left, ratio) = leftNeighbour(x)
            let right: Bool
            switch mode {
            case "round_prefer_ceil": right = ratio >= 0.5
            case "floor": right = ratio == 1
            case "ceil": right = true
            default: right = ratio > 0.5  // round_prefer_floor
            }
            i = right ? left + 1 : left
        }
        return min(max(i, 0), inLen - 1)
    }
}

/// Linear or cubic taps and weights for one axis. With antialias, downsampling widens the
/// kernel by 1/scale and normalises the weights.
private func interpolationTable(_ coords: [Double], inLen: Int, scale: Double, _ s: ResizeSettings) -> AxisTable {
    let support: Double = s.mode == .cubic ? 2 : 1
    let stretch = s.antialias ? min(scale, 1) : 1
    let start = Int((-support / stretch).rounded(.down)) + 1
    let taps = 2 - 2 * start
    let a = s.cubicA
    func kernel(_ d: Double) -> Double {
        let x = abs(d)
        if s.mode == .linear { return max(0, 1 - x) }
        if x <= 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        return 0
    }
    var table = AxisTable(taps: taps, idx: [Int](repeating: 0, count: coords.count * taps),
                          w: [Float](repeating: 0, count: coords.count * taps))
    var w = [Double](repeating: 0, count: taps)
    for (o, x) in coords.enumerated() {
        let (left, ratio) = x.isFinite ? leftNeighbour(x) : (0, 1)
        var sum = 0.0
        for k in 0..<taps {
            w[k] = kernel((Double(start + k) - ratio) * stretch)
            sum += w[k]
        }
        if s.antialias && sum != 0 { for k in 0..<taps { w[k] /= sum } }
        if s.excludeOutside {
            sum = 0
            for k in 0..<taps {
                let i = left + start + k
                if i < 0 || i >= inLen { w[k] = 0 }
                sum += w[k]
            }
            if sum != 0 { for k in 0..<taps { w[k] /= sum } }
        }
        for k in 0..<taps {
            table.idx[o * taps + k] = min(max(left + start + k, 0), inLen - 1)
            table.w[o * taps + k] = Float(w[k])
        }
    }
    return table
}

/// dst[b, o, i] = Σ_k w[o, k] · src[b, idx[o, k], i] over a [outer, len, inner] view.
private func resizeAxis(src: UnsafePointer<Float>, dst: UnsafeMutablePointer<Float>, outer: Int, inLen: Int, inner: Int, _ t: AxisTable) {
    let n = t.taps
    let outLen = t.idx.count / n
    t.idx.withUnsafeBufferPointer { idx in
        t.w.withUnsafeBufferPointer { w in
            for b in 0..<outer {
                let s = src + b * inLen * inner
                let d = dst + b * outLen * inner
                for o in 0..<outLen {
                    let ti = o * n
                    if inner == 1 {
                        var acc: Float = 0
                        for k in 0..<n { acc += w[ti + k] * s[idx[ti + k]] }
                        d[o] = acc
                        continue
                    }
                    let row = d + o * inner
                    let w0 = w[ti], s0 = s + idx[ti] * inner
                    for i in 0..<inner { row[i] = w0 * s0[i] }
                    for k in 1..<n {
                        let wk = w[ti + k], sk = s + idx[ti + k] * inner
                        if wk == 0 { continue }
                        for i in 0..<inner { row[i] += wk * sk[i] }
                    }
                }
            }
        }
    }
}

/// tf_crop_and_resize: output positions whose source coordinate leaves the input on any
/// axis take extrapolation_value. Fills those hyperplanes after interpolation.
private func fillOutside(_ out: inout Tensor, active: [Int], coords: [[Double]], inShape: [Int], _ s: ResizeSettings) throws {
    guard s.coordinateMode == "tf_crop_and_resize" else { return }
    let value = Tensor(shape: [], dtype: out.dtype, doubles: [s.extrapolation])
    let es = try DataMovement.elementSize(out)
    out.makeUnique()
    let strides = Tensor.strides(of: out.shape)
    for (i, a) in active.enumerated() {
        let limit = Double(inShape[a] - 1)
        var plane = out.shape
        plane[a] = 1
        for (o, x) in coords[i].enumerated() where x < 0 || x > limit {
            DataMovement.stridedCopy(shape: plane, src: value.storage.data, srcOffset: 0, srcStrides: plane.map { _ in 0 },
                                     dst: out.storage.data, dstOffset: o * strides[a], dstStrides: strides, elementSize: es)
        }
    }
}

// MARK: gradients

/// Reverse-mode rules, as adjoints of the forward tables: constant Pad crops the gradient
/// back out (the constant gets the padded positions' sum), the other Pad modes and Resize
/// scatter it back axis by axis with the same source indices and weights. pads, roi,
/// scales and sizes get none.
private func registerResizePadVJPs(into r: OpRegistry) {
    r.registerVJP("Pad") { c in try padGradients(c) }
    r.registerVJP("Resize") { c in [try resizeGradient(c, upsample: false), nil, nil, nil] }
    r.registerVJP("Upsample") { c in [try resizeGradient(c, upsample: true), nil] }
}

private func padGradients(_ c: VJPContext) throws -> [Tensor?] {
    let x = try c.inputs.required(0)
    guard x.dtype.isFloatingPoint else { return [nil] }
    let p = try padPlan(x, c.inputs, c.kernelContext)
    let g = try c.outputGrad(0).plain()
    if p.mode != "constant" {
        guard c.needs(0) else { return [nil] }
        let maps = try p.maps(x.shape)
        var dx = g
        for a in 0..<x.rank where p.begin[a] != 0 || p.end[a] != 0 {
            let table = AxisTable(taps: 1, idx: maps[a], w: [Float](repeating: 1, count: maps[a].count))
            dx = try AxisAdjoint(axis: a, inLen: x.shape[a], table: table).run([dx], as: x.dtype)
        }
        return [dx]
    }
    let r = p.region
    let dx = Tensor(zeros: x.shape, dtype: x.dtype)
    let gs = Tensor.strides(of: p.shape), xs = Tensor.strides(of: x.shape)
    DataMovement.stridedCopy(shape: r.extent, src: g.storage.data, srcOffset: zip(r.dst, gs).reduce(0) { $0 + $1.0 * $1.1 },
                             srcStrides: gs, dst: dx.storage.data, dstOffset: zip(r.src, xs).reduce(0) { $0 + $1.0 * $1.1 },
                             dstStrides: xs, elementSize: try DataMovement.elementSize(x))
    guard c.opset >= 11, c.needs(2), let v = c.inputs.optional(2), v.count > 0 else { return [c.needs(0) ? dx : nil] }
    // Every padded position reads the constant.
    let padded = g.doubles.reduce(0, +) - dx.doubles.reduce(0, +)
    return [c.needs(0) ? dx : nil, nil, Tensor(shape: v.shape, dtype: v.dtype, doubles: [padded])]
}

private func resizeGradient(_ c: VJPContext, upsample: Bool) throws -> Tensor? {
    guard c.needs(0), let x = c.inputs[0], x.dtype.isFloatingPoint else { return nil }
    let p = try resizePlan(x, c.inputs, c.kernelContext, upsample: upsample)
    var g = try c.outputGrad(0).plain()
    if p.active.isEmpty { return g }
    if p.outShape.contains(0) { return Tensor(zeros: x.shape, dtype: x.dtype) }
    // tf_crop_and_resize: positions filled with extrapolation_value do not read the input.
    var zeroOutside = p.settings
    zeroOutside.extrapolation = 0
    try fillOutside(&g, active: p.active, coords: p.coords, inShape: x.shape, zeroOutside)
    // The forward resamples the active axes in order; its adjoint undoes them in reverse.
    for (i, a) in p.active.enumerated().reversed() {
        g = try AxisAdjoint(axis: a, inLen: x.shape[a], table: p.table(i, inLen: x.shape[a])).run([g], as: x.dtype)
    }
    return g
}

/// The adjoint of resampling one axis with `table`: from a gradient whose `axis` has the
/// table's output length, out[b, idx[o, k], i] += w[o, k] · g[b, o, i] with `axis` of `inLen`.
private struct AxisAdjoint: FloatComputation {
    let axis: Int, inLen: Int, table: AxisTable

    func compute<T: FloatMath>(_ ts: [Tensor], _: T.Type) throws -> Tensor {
        let g = ts[0]
        var shape = g.shape
        let outLen = shape[axis], n = table.taps
        shape[axis] = inLen
        guard table.idx.count == outLen * n else {
            throw RuntimeError.invalid("gradient of shape \(g.shape) does not match a table of \(table.idx.count / max(n, 1)) positions on axis \(axis)")
        }
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        var out = Tensor(zeros: shape, dtype: T.dtype)
        table.idx.withUnsafeBufferPointer { idx in
            table.w.withUnsafeBufferPointer { w in
                g.withElements(T.self) { pg in
                    out.withMutableElements(T.self) { po in
                        for b in 0..<outer {
                            let s = pg + b * outLen * inner, d = po + b * inLen * inner
                            for o in 0..<outLen {
                                let src = s + o * inner
                                for k in 0..<n {
                                    let wk = T(w[o * n + k])
                                    if wk == 0 { continue }
                                    let dst = d + idx[o * n + k] * inner
                                    for i in 0..<inner { dst[i] += wk * src[i] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
