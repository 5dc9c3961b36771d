import Foundation

/// Reverse mode of BatchNormalization (inference and training mode), InstanceNormalization,
/// LayerNormalization and LRN. Per-group reductions accumulate in Double; the elementwise
/// passes run on the data's own type (float16/bfloat16 through float32).
///
/// Normalizing a group of M values with statistics μ, σ² and per-element scale γ,
/// y = γ·(x − μ)·s + β with s = 1/√(σ² + ε), gives with g = dy·γ:
///     dσ² = −½·s³·Σ g·(x − μ) (+ what flows into σ² otherwise)
///     dμ  = −s·Σ g             (+ likewise; the dσ² term of dμ vanishes as Σ(x − μ) = 0)
///     dx  = g·s + dσ²·2(x − μ)/M + dμ/M        (batch statistics)
///     dx  = g·s                                  (given statistics)
enum NormalizationGradients {
    // MARK: BatchNormalization

    static func batchNorm(_ c: VJPContext) throws -> [Tensor?] {
        let x = try c.inputs.required(0)
        guard x.rank >= 2 else { throw RuntimeError.invalid("input must have rank >= 2 ([N, C, …]), got shape \(x.shape)") }
        let node = c.node
        let n = x.shape[0]
        let groups = BatchNormMode.groups(node, opset: c.opset, shape: x.shape)
        let plane = x.count / max(n * groups, 1)
        let scale = try channelParameter(c.inputs, 1, "scale", count: groups)
        let inputMean = try channelParameter(c.inputs, 3, "mean", count: groups)
        let inputVar = try channelParameter(c.inputs, 4, "var", count: groups)
        let eps = Double(node.float("epsilon", default: 1e-5))
        let momentum = Double(node.float("momentum", default: 0.9))
        let training = BatchNormMode.training(node, opset: c.opset)
        let dy = try c.outputGrad(0)
        let view = GroupView(outer: n, groups: groups, plane: plane)

        let (mean, variance) = training ? try view.moments(x) : (inputMean, inputVar)
        let inv = variance.map { 1 / ($0 + eps).squareRoot() }
        let (sumDy, sumDyXc) = try view.sums(x, dy, mean: mean)
        // What reaches the batch statistics through the running-statistics outputs (weighted by
        // 1 − momentum) and, before opset 14, the saved mean/variance outputs.
        func extra(_ i: Int, _ weight: Double) -> [Double] {
            guard i < c.outputGrads.count, let g = c.outputGrads[i] else { return [Double](repeating: 0, count: groups) }
            return g.doubles.map { $0 * weight }
        }
        var dMean = [Double](repeating: 0, count: groups), dVar = dMean
        if training {
            let em = extra(1, 1 - momentum), ev = extra(2, 1 - momentum)
            let sm = c.opset < 14 ? extra(3, 1) : dMean, sv = c.opset < 14 ? extra(4, 1) : dMean
            for g in 0..<groups {
                dMean[g] = em[g] + sm[g]
                dVar[g] = ev[g] + sv[g]
            }
        }
        var a = [Double](repeating: 0, count: groups), b = a, k = a
        let count = Double(n * plane)
        for g in 0..<groups {
            a[g] = scale[g] * inv[g]
            dVar[g] += -0.5 * scale[g] * sumDyXc[g] * inv[g] * inv[g] * inv[g]
            dMean[g] += -a[g] * sumDy[g]
            if training && count > 0 {
                b[g] = 2 * dVar[g] / count
                k[g] = dMean[g] / count
            }
        }
        var grads: [Tensor?] = [nil, nil, nil, nil, nil]
        if c.needs(0) { grads[0] = try view.combine(dy, x, mean: mean, a: a, b: training ? b : nil, k: k, c.kernelContext) }
        func like(_ i: Int, _ v: [Double]) -> Tensor? {
            guard c.needs(i), let t = c.inputs.optional(i) else { return nil }
            return Tensor(shape: t.shape, dtype: t.dtype, doubles: v)
        }
        grads[1] = like(1, (0..<groups).map { sumDyXc[$0] * inv[$0] })
        grads[2] = like(2, sumDy)
        if training {
            // The inputs mean and var only feed the running statistics.
            grads[3] = like(3, extra(1, momentum))
            grads[4] = like(4, extra(2, momentum))
        } else {
            grads[3] = like(3, dMean)
            grads[4] = like(4, dVar)
        }
        return grads
    }

    // MARK: InstanceNormalization

    static func instanceNorm(_ c: VJPContext) throws -> [Tensor?] {
        let x = try c.inputs.required(0)
        guard x.rank >= 2 else { throw RuntimeError.invalid("input must have rank >= 2 ([N, C, …]), got shape \(x.shape)") }
        let n = x.shape[0], ch = x.shape[1], plane = x.shape[2...].reduce(1, *)
        let scale = try channelParameter(c.inputs, 1, "scale", count: ch)
        let eps = Double(c.node.float("epsilon", default: 1e-5))
        let dy = try c.outputGrad(0)
        // Each (n, c) plane is one group of its own statistics.
        let view = GroupView(outer: 1, groups: n * ch, plane: plane)
        let (mean, variance) = try view.moments(x)
        let (sumDy, sumDyXc) = try view.sums(x, dy, mean: mean)
        let rows = n * ch
        var a = [Double](repeating: 0, count: rows), b = a, k = a
        var dScale = [Double](repeating: 0, count: ch), dBias = dScale
        for r in 0..<rows {
            let s = 1 / (variance[r] + eps).squareRoot(), gamma = scale[r % ch]
            dScale[r % ch] += sumDyXc[r] * s
            dBias[r % ch] += sumDy[r]
            a[r] = gamma * s
            if plane > 0 {
                let dVar = -0.5 * gamma * sumDyXc[r] * s * s * s, dMean = -a[r] * sumDy[r]
                b[r] = 2 * dVar / Double(plane)
                k[r] = dMean / Double(plane)
            }
        }
        let dx = c.needs(0) ? try view.combine(dy, x, mean: mean, a: a, b: b, k: k, c.kernelContext) : nil
        func like(_ i: Int, _ v: [Double]) -> Tensor? {
            guard c.needs(i), let t = c.inputs.optional(i) else { return nil }
            return Tensor(shape: t.shape, dtype: t.dtype, doubles: v)
        }
        return [dx, like(1, dScale), like(2, dBias)]
    }

    // MARK: GroupNormalization

    /// Statistics per (sample, group) over the group's channels; scale and bias per channel
    /// (opset 21) or per group (opset 18), as the forward decides.
    static func groupNorm(_ c: VJPContext) throws -> [Tensor?] {
        let x = try c.inputs.required(0)
        let (groups, perChannel) = try groupNormLayout(x, c.inputs, c.node, opset: c.opset)
        let shape = GroupNormShape(batch: x.shape[0], channels: x.shape[1], groups: groups, plane: x.shape[2...].reduce(1, *),
                                   perChannel: perChannel)
        let scale = try channelParameter(c.inputs, 1, "scale", count: perChannel ? shape.channels : groups)
        let eps = Double(c.node.float("epsilon", default: 1e-5))
        let dy = try c.outputGrad(0)
        guard dy.shape == x.shape else { throw RuntimeError.invalid("output gradient has shape \(dy.shape), expected \(x.shape)") }
        let k = c.kernelContext
        let (dx, dScale, dBias): (Tensor?, [Double], [Double])
        switch x.dtype {
        case .float32: (dx, dScale, dBias) = groupNormBackward(Float.self, x, dy.plain(), shape, scale, eps, c.needs(0), k)
        case .float64: (dx, dScale, dBias) = groupNormBackward(Double.self, x, dy.plain(), shape, scale, eps, c.needs(0), k)
        case .float16, .bfloat16:
            let r = groupNormBackward(Float.self, x.converted(to: .float32), dy.converted(to: .float32), shape, scale, eps, c.needs(0), k)
            (dx, dScale, dBias) = (r.0?.converted(to: x.dtype), r.1, r.2)
        default: throw RuntimeError.dtype("GroupNormalization gradients need a floating-point input, got \(x.dtype)")
        }
        func like(_ i: Int, _ v: [Double]) -> Tensor? {
            guard c.needs(i), let t = c.inputs.optional(i) else { return nil }
            return Tensor(shape: t.shape, dtype: t.dtype, doubles: v)
        }
        return [dx, like(1, dScale), like(2, dBias)]
    }

    private struct GroupNormShape {
        let batch: Int, channels: Int, groups: Int, plane: Int
        let perChannel: Bool
        var perGroup: Int { channels / groups }
    }

    /// Each (sample, group) row is perGroup·plane contiguous elements: its moments, then per
    /// channel Σ dy and Σ dy·(x − μ) for dScale/dB, then dx from their scale-weighted sums.
    private static func groupNormBackward<T: BinaryFloatingPoint & TensorElement>(
        _: T.Type, _ x: Tensor, _ dy: Tensor, _ s: GroupNormShape, _ scale: [Double], _ eps: Double, _ wantX: Bool,
        _ ctx: KernelContext
    ) -> (Tensor?, [Double], [Double]) {
        var dx = wantX ? ctx.allocate(x.shape, x.dtype, zeroed: false) : nil
        var dScale = [Double](repeating: 0, count: scale.count), dBias = dScale
        let perGroup = s.perGroup, plane = s.plane, length = perGroup * plane
        guard length > 0 else { return (dx, dScale, dBias) }
        let count = Double(length)
        x.withUnsafeBufferPointer(as: T.self) { xb in
            dy.withUnsafeBufferPointer(as: T.self) { gb in
                withOptionalPointer(T.self, &dx) { out in
                    for row in 0..<(s.batch * s.groups) {
                        let base = row * length, group = row % s.groups
                        var sum = 0.0
                        for i in base..<(base + length) { sum += Double(xb[i]) }
                        let mean = sum / count
                        var sq = 0.0
                        for i in base..<(base + length) { let d = Double(xb[i]) - mean; sq += d * d }
                        let inv = 1 / (sq / count + eps).squareRoot()
                        // Σ γ·dy and Σ γ·dy·(x − μ) over the row.
                        var sumG = 0.0, sumGXc = 0.0
                        for j in 0..<perGroup {
                            let cb = base + j * plane, p = s.perChannel ? group * perGroup + j : group
                            var sd = 0.0, sdx = 0.0
                            for i in cb..<(cb + plane) {
                                let g = Double(gb[i])
                                sd += g
                                sdx += g * (Double(xb[i]) - mean)
                            }
                            dScale[p] += sdx * inv
                            dBias[p] += sd
                            sumG += scale[p] * sd
                            sumGXc += scale[p] * sdx
                        }
                        guard let out else { continue }
                        let dVar = -0.5 * inv * inv * inv * sumGXc, dMean = -inv * sumG
                        let b = T(2 * dVar / count), k = T(dMean / count), m = T(mean)
                        for j in 0..<perGroup {
                            let cb = base + j * plane, a = T(scale[s.perChannel ? group * perGroup + j : group] * inv)
                            for i in cb..<(cb + plane) { out[i] = gb[i] * a + (xb[i] - m) * b + k }
                        }
                    }
                }
            }
        }
        return (dx, dScale, dBias)
    }

    // MARK: MeanVarianceNormalization

    /// y = (x − μ)/d with d = σ + 1e-9 over `axes`: per group of n elements,
    /// dx = (g − ḡ)/d − (x − μ)·Σ g·(x − μ)/(n·σ·d²). The reduced axes are moved last so that
    /// each group is one contiguous row.
    static func meanVarianceNorm(_ c: VJPContext) throws -> [Tensor?] {
        guard c.needs(0), let x = c.inputs[0], x.dtype.isFloatingPoint else { return [nil] }
        let axes = Set(try normalizedAxes(c.node.ints("axes") ?? [0, 2, 3], rank: x.rank))
        let perm = (0..<x.rank).filter { !axes.contains($0) } + axes.sorted()
        let length = axes.reduce(1) { $0 * x.shape[$1] }, rows = x.count / max(length, 1)
        let k = c.kernelContext
        let dy = try c.outputGrad(0)
        guard dy.shape == x.shape else { throw RuntimeError.invalid("output gradient has shape \(dy.shape), expected \(x.shape)") }
        let wide: DType = x.dtype == .float64 ? .float64 : .float32
        let xr = try DataMovement.transpose(x.converted(to: wide), perm: perm, k)
        let gr = try DataMovement.transpose(dy.converted(to: wide), perm: perm, k)
        let dxr = wide == .float64 ? mvnBackward(Double.self, xr, gr, rows: rows, length: length, k)
                                   : mvnBackward(Float.self, xr, gr, rows: rows, length: length, k)
        return [try DataMovement.transpose(dxr, perm: inversePermutation(perm), k).converted(to: x.dtype)]
    }

    private static func mvnBackward<T: BinaryFloatingPoint & TensorElement>(_: T.Type, _ x: Tensor, _ dy: Tensor, rows: Int, length: Int,
                                                                            _ ctx: KernelContext) -> Tensor {
        var dx = ctx.allocate(x.shape, x.dtype, zeroed: false)
        guard length > 0 else { return dx }
        let n = Double(length)
        x.withUnsafeBufferPointer(as: T.self) { xb in
            dy.withUnsafeBufferPointer(as: T.self) { gb in
                dx.withUnsafeMutableBufferPointer(as: T.self) { out in
                    for r in 0..<rows {
                        let base = r * length
                        var sx = 0.0, sg = 0.0
                        for i in base..<(base + length) { sx += Double(xb[i]); sg += Double(gb[i]) }
                        let mean = sx / n, meanG = sg / n
                        var sq = 0.0, sgx = 0.0
                        for i in base..<(base + length) {
                            let d = Double(xb[i]) - mean
                            sq += d * d
                            sgx += Double(gb[i]) * d
                        }
                        let sigma = (sq / n).squareRoot(), d = sigma + 1e-9
                        let a = T(1 / d), gm = T(meanG), m = T(mean)
                        // σ = 0 means x − μ = 0 throughout: the second term vanishes.
                        let b = T(sigma > 0 ? sgx / (n * sigma * d * d) : 0)
                        for i in base..<(base + length) { out[i] = (gb[i] - gm) * a - (xb[i] - m) * b }
                    }
                }
            }
        }
        return dx
    }

    // MARK: LayerNormalization

    /// Outputs Y, Mean and InvStdDev all pass gradient back (InvStdDev = (σ² + ε)^−½, so
    /// dσ² gains −½·s³·dInvStdDev).
    static func layerNorm(_ c: VJPContext) throws -> [Tensor?] {
        let x = try c.inputs.required(0)
        let axis = try normalizedAxes([c.node.int("axis", default: -1)], rank: x.rank)[0]
        let normShape = Array(x.shape[axis...])
        let length = normShape.reduce(1, *), rows = x.shape[..<axis].reduce(1, *)
        let scaleTensor = try c.inputs.required(1, "Scale")
        let scale = try broadcastParameter(scaleTensor, "Scale", to: normShape)
        let eps = Double(c.node.float("epsilon", default: 1e-5))
        let dy = try c.outputGrad(0)
        guard dy.shape == x.shape else { throw RuntimeError.invalid("output gradient has shape \(dy.shape), expected \(x.shape)") }
        let view = GroupView(outer: 1, groups: rows, plane: length)
        let (mean, variance) = try view.moments(x)
        func outputGrad(_ i: Int) -> [Double]? { i < c.outputGrads.count ? c.outputGrads[i]?.doubles : nil }
        // What reaches each row's statistics through the Mean and InvStdDev outputs.
        let gMean = outputGrad(1), gInv = outputGrad(2)
        var rowsIn = [RowStatistics](repeating: RowStatistics(), count: rows)
        for r in 0..<rows {
            let s = 1 / (variance[r] + eps).squareRoot()
            rowsIn[r] = RowStatistics(mean: mean[r], inv: s, extraMean: gMean?[r] ?? 0, extraVar: -0.5 * s * s * s * (gInv?[r] ?? 0))
        }
        let k = c.kernelContext
        let (dx, dScale, dBias): (Tensor?, [Double], [Double])
        switch x.dtype {
        case .float32: (dx, dScale, dBias) = layerNormBackward(Float.self, x, dy.plain(), rowsIn, scale, length, c.needs(0), k)
        case .float64: (dx, dScale, dBias) = layerNormBackward(Double.self, x, dy.plain(), rowsIn, scale, length, c.needs(0), k)
        default:
            let r = layerNormBackward(Float.self, x.converted(to: .float32), dy.converted(to: .float32), rowsIn, scale, length, c.needs(0), k)
            (dx, dScale, dBias) = (r.0?.converted(to: x.dtype), r.1, r.2)
        }
        return [dx,
                c.needs(1) ? Tensor(shape: normShape, dtype: scaleTensor.dtype, doubles: dScale) : nil,
                c.needs(2) ? c.inputs.optional(2).map { Tensor(shape: normShape, dtype: $0.dtype, doubles: dBias) } : nil]
    }

    private struct RowStatistics {
        var mean = 0.0, inv = 0.0, extraMean = 0.0, extraVar = 0.0
    }

    /// Rows of `length` elements with per-position scale: dScale and dB sum over rows, dx per
    /// row from Σ g and Σ g·(x − μ) with g = dy·scale.
    private static func layerNormBackward<T: BinaryFloatingPoint & TensorElement>(
        _: T.Type, _ x: Tensor, _ dy: Tensor, _ stats: [RowStatistics], _ scale: [Double], _ length: Int, _ wantX: Bool,
        _ ctx: KernelContext
    ) -> (Tensor?, [Double], [Double]) {
        var dx = wantX ? ctx.allocate(x.shape, x.dtype, zeroed: false) : nil
        var dScale = [Double](repeating: 0, count: length), dBias = dScale
        let scaleT = scale.map { T($0) }
        x.withUnsafeBufferPointer(as: T.self) { xb in
            dy.withUnsafeBufferPointer(as: T.self) { gb in
                withOptionalPointer(T.self, &dx) { out in
                    for (r, st) in stats.enumerated() {
                        let base = r * length
                        var sumG = 0.0, sumGXc = 0.0
                        for i in 0..<length {
                            let g = Double(gb[base + i]), xc = Double(xb[base + i]) - st.mean
                            dScale[i] += g * xc * st.inv
                            dBias[i] += g
                            sumG += g * scale[i]
                            sumGXc += g * scale[i] * xc
                        }
                        guard let out, length > 0 else { continue }
                        let dVar = -0.5 * st.inv * st.inv * st.inv * sumGXc + st.extraVar
                        let dMean = -st.inv * sumG + st.extraMean
                        let l = Double(length)
                        let a = T(st.inv), b = T(2 * dVar / l), k = T(dMean / l), m = T(st.mean)
                        for i in 0..<length { out[base + i] = gb[base + i] * scaleT[i] * a + (xb[base + i] - m) * b + k }
                    }
                }
            }
        }
        return (dx, dScale, dBias)
    }

    // MARK: LRN

    /// y_c = x_c · d_c^−β with d_c = bias + α/size · Σ_{c' ∈ W(c)} x_c'², so
    /// dx_j = dy_j · d_j^−β − 2αβ/size · x_j · Σ_{c : j ∈ W(c)} dy_c · x_c · d_c^(−β−1).
    static func lrn(_ c: VJPContext) throws -> [Tensor?] {
        let x = try c.inputs.required(0)
        guard x.rank >= 2 else { throw RuntimeError.invalid("input must have rank >= 2 ([N, C, …]), got shape \(x.shape)") }
        guard let size = c.node.int("size"), size >= 1 else { throw RuntimeError.invalid("size attribute must be given and >= 1") }
        let alpha = Double(c.node.float("alpha", default: 1e-4)), beta = Double(c.node.float("beta", default: 0.75))
        let bias = Double(c.node.float("bias", default: 1))
        let n = x.shape[0], ch = x.shape[1], plane = x.shape[2...].reduce(1, *)
        let before = (size - 1) / 2, after = size - 1 - before
        let k = alpha / Double(size)
        let xd = x.doubles, gd = try c.outputGrad(0).doubles
        // d for every element, then t_c = dy_c · x_c · d_c^(−β−1).
        var d = [Double](repeating: 0, count: xd.count)
        for img in 0..<n {
            for cc in 0..<ch {
                let base = (img * ch + cc) * plane
                for src in max(0, cc - before)...min(ch - 1, cc + after) {
                    let sb = (img * ch + src) * plane
                    for p in 0..<plane { d[base + p] += xd[sb + p] * xd[sb + p] }
                }
                for p in 0..<plane { d[base + p] = bias + k * d[base + p] }
            }
        }
        var t = [Double](repeating: 0, count: xd.count), dx = t
        for i in 0..<xd.count { t[i] = gd[i] * xd[i] * pow(d[i], -beta - 1) }
        for img in 0..<n {
            for j in 0..<ch {
                let base = (img * ch + j) * plane
                // j ∈ W(c) ⇔ c ∈ [j − after, j + before].
                for p in 0..<plane { dx[base + p] = gd[base + p] * pow(d[base + p], -beta) }
                for cc in max(0, j - after)...min(ch - 1, j + before) {
                    let cb = (img * ch + cc) * plane
                    for p in 0..<plane { dx[base + p] -= 2 * k * beta * xd[base + p] * t[cb + p] }
                }
            }
        }
        return [Tensor(shape: x.shape, dtype: x.dtype, doubles: dx)]
    }
}

/// A tensor viewed as [outer, groups, plane] with one set of statistics per group (over
/// outer × plane): BatchNormalization's channels, or with outer = 1 one group per row.
private struct GroupView {
    let outer: Int
    let groups: Int
    let plane: Int

    var count: Int { outer * plane }

    /// Per-group mean and population variance (two passes, Double accumulation).
    func moments(_ x: Tensor) throws -> ([Double], [Double]) {
        try dispatch(x) { T in moments(T, x) }
    }

    /// Per group: Σ dy and Σ dy·(x − mean).
    func sums(_ x: Tensor, _ dy: Tensor, mean: [Double]) throws -> ([Double], [Double]) {
        guard dy.shape == x.shape, dy.dtype == x.dtype else {
            throw RuntimeError.invalid("output gradient is \(dy.dtype)\(dy.shape), expected \(x.dtype)\(x.shape)")
        }
        return try dispatch(x) { T in sums(T, x, dy, mean) }
    }

    /// dx = dy·a[g] + (x − mean[g])·b[g] + k[g] (b nil: dx = dy·a[g]).
    func combine(_ dy: Tensor, _ x: Tensor, mean: [Double], a: [Double], b: [Double]?, k: [Double],
                 _ ctx: KernelContext) throws -> Tensor {
        switch x.dtype {
        case .float32: return combine(Float.self, dy.plain(), x, mean, a, b, k, ctx)
        case .float64: return combine(Double.self, dy.plain(), x, mean, a, b, k, ctx)
        default:
            return combine(Float.self, dy.converted(to: .float32), x.converted(to: .float32), mean, a, b, k, ctx).converted(to: x.dtype)
        }
    }

    private func dispatch<R>(_ x: Tensor, _ body: (any (BinaryFloatingPoint & TensorElement).Type) -> R) throws -> R {
        switch x.dtype {
        case .float32: return body(Float.self)
        case .float64: return body(Double.self)
        case .float16: return body(Float16.self)
        default: throw RuntimeError.dtype("normalization gradients need float16, float32 or float64, got \(x.dtype)")
        }
    }

    private func moments<T: BinaryFloatingPoint & TensorElement>(_: T.Type, _ x: Tensor) -> ([Double], [Double]) {
        var mean = [Double](repeating: 0, count: groups), variance = mean
        guard count > 0 else { return (mean, variance) }
        x.withUnsafeBufferPointer(as: T.self) { xb in
            for g in 0..<groups {
                var s = 0.0
                for o in 0..<outer {
                    let base = (o * groups + g) * plane
                    for i in 0..<plane { s += Double(xb[base + i]) }
                }
                let m = s / Double(count)
                var v = 0.0
                for o in 0..<outer {
                    let base = (o * groups + g) * plane
                    for i in 0..<plane { let d = Double(xb[base + i]) - m; v += d * d }
                }
                mean[g] = m
                variance[g] = v / Double(count)
            }
        }
        return (mean, variance)
    }

    private func sums<T: BinaryFloatingPoint & TensorElement>(_: T.Type, _ x: Tensor, _ dy: Tensor, _ mean: [Double]) -> ([Double], [Double]) {
        var sumDy = [Double](repeating: 0, count: groups), sumDyXc = sumDy
        x.withUnsafeBufferPointer(as: T.self) { xb in
            dy.withUnsafeBufferPointer(as: T.self) { gb in
                for g in 0..<groups {
                    var s = 0.0, sx = 0.0
                    let m = mean[g]
                    for o in 0..<outer {
                        let base = (o * groups + g) * plane
                        for i in 0..<plane {
                            let d = Double(gb[base + i])
                            s += d
                            sx += d * (Double(xb[base + i]) - m)
                        }
                    }
                    sumDy[g] = s
                    sumDyXc[g] = sx
                }
            }
        }
        return (sumDy, sumDyXc)
    }

    private func combine<T: BinaryFloatingPoint & TensorElement>(_: T.Type, _ dy: Tensor, _ x: Tensor, _ mean: [Double], _ a: [Double],
                                                                 _ b: [Double]?, _ k: [Double], _ ctx: KernelContext) -> Tensor {
        var dx = ctx.allocate(x.shape, x.dtype, zeroed: false)
        x.withUnsafeBufferPointer(as: T.self) { xb in
            dy.withUnsafeBufferPointer(as: T.self) { gb in
                dx.withUnsafeMutableBufferPointer(as: T.self) { out in
                    for o in 0..<outer {
                        for g in 0..<groups {
                            let base = (o * groups + g) * plane
                            let ta = T(a[g])
                            if let b {
                                let tb = T(b[g]), tk = T(k[g]), tm = T(mean[g])
                                for i in 0..<plane { out[base + i] = gb[base + i] * ta + (xb[base + i] - tm) * tb + tk }
                            } else {
                                for i in 0..<plane { out[base + i] = gb[base + i] * ta }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
