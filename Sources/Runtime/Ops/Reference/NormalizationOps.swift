import Foundation

/// BatchNormalization (inference and training mode), InstanceNormalization, LRN,
/// LayerNormalization, GroupNormalization and MeanVarianceNormalization. Statistics are
/// accumulated in Double; float32/float64 data run natively, float16/bfloat16 through float32.
func registerNormalizationOps(into r: OpRegistry) {
    r.register("BatchNormalization") { inputs, ctx in try batchNormalization(inputs, ctx) }

    r.register("InstanceNormalization") { inputs, ctx in
        let x = try inputs.required(0)
        guard x.rank >= 2 else { throw RuntimeError.invalid("input must have rank >= 2 ([N, C, …]), got shape \(x.shape)") }
        let n = x.shape[0], c = x.shape[1], plane = x.shape[2...].reduce(1, *)
        let scale = try channelParameter(inputs, 1, "scale", count: c)
        let bias = try channelParameter(inputs, 2, "B", count: c)
        let eps = Double(ctx.node.float("epsilon", default: 1e-5))
        return [try inFloat(x, "InstanceNormalization") { t in
            let (mean, variance) = rowMoments(t, rows: n * c, length: plane)
            var a = [Double](repeating: 0, count: n * c), b = a
            for row in 0..<(n * c) {
                a[row] = scale[row % c] / (variance[row] + eps).squareRoot()
                b[row] = bias[row % c] - mean[row] * a[row]
            }
            return applyAffine(t, plane: plane, a: a, b: b, ctx)
        }]
    }

    r.register("LRN") { inputs, ctx in
        let x = try inputs.required(0)
        guard x.rank >= 2 else { throw RuntimeError.invalid("input must have rank >= 2 ([N, C, …]), got shape \(x.shape)") }
        guard let size = ctx.node.int("size"), size >= 1 else {
            throw RuntimeError.invalid("size attribute must be given and >= 1, got \(ctx.node.int("size").map(String.init) ?? "none")")
        }
        let alpha = Double(ctx.node.float("alpha", default: 1e-4)), beta = Double(ctx.node.float("beta", default: 0.75))
        let bias = Double(ctx.node.float("bias", default: 1))
        return [try inFloat(x, "LRN") { t in
            t.dtype == .float32 ? lrn(Float.self, t, size: size, alpha: alpha, beta: beta, bias: bias, ctx)
                                : lrn(Double.self, t, size: size, alpha: alpha, beta: beta, bias: bias, ctx)
        }]
    }

    r.register("LayerNormalization", since: 17) { inputs, ctx in try layerNormalization(inputs, ctx) }

    r.register("GroupNormalization", since: 18) { inputs, ctx in
        let x = try inputs.required(0)
        let (groups, perChannel) = try groupNormLayout(x, inputs, ctx.node, opset: ctx.opset)
        let n = x.shape[0], c = x.shape[1], plane = x.shape[2...].reduce(1, *), perGroup = c / groups
        let scale = try channelParameter(inputs, 1, "scale", count: perChannel ? c : groups)
        let bias = try channelParameter(inputs, 2, "bias", count: perChannel ? c : groups)
        let eps = Double(ctx.node.float("epsilon", default: 1e-5))
        return [try inFloat(x, "GroupNormalization") { t in
            let (mean, variance) = rowMoments(t, rows: n * groups, length: perGroup * plane)
            var a = [Double](repeating: 0, count: n * c), b = a
            for row in 0..<(n * c) {
                let ch = row % c, g = (row / c) * groups + ch / perGroup
                let k = perChannel ? ch : ch / perGroup
                a[row] = scale[k] / (variance[g] + eps).squareRoot()
                b[row] = bias[k] - mean[g] * a[row]
            }
            return applyAffine(t, plane: plane, a: a, b: b, ctx)
        }]
    }

    r.register("MeanVarianceNormalization") { inputs, ctx in
        let x = try inputs.required(0)
        let axes = try normalizedAxes(ctx.node.ints("axes") ?? [0, 2, 3], rank: x.rank)
        return [try inFloat(x, "MeanVarianceNormalization") { t in meanVarianceNormalize(t, axes: axes) }]
    }

    r.registerVJP("BatchNormalization", NormalizationGradients.batchNorm)
    r.registerVJP("InstanceNormalization", NormalizationGradients.instanceNorm)
    r.registerVJP("LayerNormalization", NormalizationGradients.layerNorm)
    r.registerVJP("GroupNormalization", NormalizationGradients.groupNorm)
    r.registerVJP("MeanVarianceNormalization", NormalizationGradients.meanVarianceNorm)
    r.registerVJP("LRN", NormalizationGradients.lrn)
}

// MARK: BatchNormalization

/// How a BatchNormalization node normalizes, shared with its gradient rule.
enum BatchNormMode {
    /// Batch statistics: `training_mode` from opset 14, any extra output before.
    static func training(_ node: Node, opset: Int) -> Bool {
        opset >= 14 ? node.int("training_mode", default: 0) != 0 : node.outputs.dropFirst().contains { !$0.isEmpty }
    }

    /// Parameter groups per sample: the channels, or with opset 7–8 `spatial = 0` every
    /// (channel, position).
    static func groups(_ node: Node, opset: Int, shape: [Int]) -> Int {
        opset >= 9 || node.int("spatial", default: 1) != 0 ? shape[1] : shape[1...].reduce(1, *)
    }
}

private func batchNormalization(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> [Tensor] {
    let x = try inputs.required(0)
    guard x.rank >= 2 else { throw RuntimeError.invalid("input must have rank >= 2 ([N, C, …]), got shape \(x.shape)") }
    let node = ctx.node
    let n = x.shape[0]
    let groups = BatchNormMode.groups(node, opset: ctx.opset, shape: x.shape)
    let plane = x.count / max(n * groups, 1)
    let scale = try channelParameter(inputs, 1, "scale", count: groups)
    let bias = try channelParameter(inputs, 2, "B", count: groups)
    let inputMean = try channelParameter(inputs, 3, "mean", count: groups)
    let inputVar = try channelParameter(inputs, 4, "var", count: groups)
    let eps = Double(node.float("epsilon", default: 1e-5))
    let momentum = Double(node.float("momentum", default: 0.9))
    let training = BatchNormMode.training(node, opset: ctx.opset)

    var mean = inputMean, variance = inputVar
    let out = try inFloat(x, "BatchNormalization") { t in
        if training {
            // Batch statistics per channel, combined from per-(n, c) row moments.
            let (rm, rv) = rowMoments(t, rows: n * groups, length: plane)
            let count = Double(max(n, 1))
            for g in 0..<groups {
                var m = 0.0
                for i in 0..<n { m += rm[i * groups + g] }
                m /= count
                var v = 0.0
                for i in 0..<n { let d = rm[i * groups + g] - m; v += rv[i * groups + g] + d * d }
                mean[g] = m
                variance[g] = v / count
            }
        }
        var a = [Double](repeating: 0, count: groups), b = a
        for g in 0..<groups {
            a[g] = scale[g] / (variance[g] + eps).squareRoot()
            b[g] = bias[g] - mean[g] * a[g]
        }
        return applyAffine(t, plane: plane, a: a, b: b, ctx)
    }
    guard training else { return [out] }
    let statType = inputs[3]?.dtype ?? x.dtype
    let shape = inputs[3]?.shape ?? [groups]
    let runningMean = Tensor(shape: shape, dtype: statType, doubles: zip(inputMean, mean).map { $0 * momentum + $1 * (1 - momentum) })
    let runningVar = Tensor(shape: shape, dtype: statType, doubles: zip(inputVar, variance).map { $0 * momentum + $1 * (1 - momentum) })
    if ctx.opset >= 14 { return [out, runningMean, runningVar] }
    // Opset 7–13 training outputs: Y, mean, var, saved_mean, saved_var.
    return [out, runningMean, runningVar, Tensor(shape: shape, dtype: statType, doubles: mean),
            Tensor(shape: shape, dtype: statType, doubles: variance)]
}

// MARK: GroupNormalization

/// GroupNormalization's group count, and whether scale and bias hold one value per channel
/// (opset 21) or per group (opset 18; a per-channel scale is taken as such there too).
func groupNormLayout(_ x: Tensor, _ inputs: [Tensor?], _ node: Node, opset: Int) throws -> (groups: Int, perChannel: Bool) {
    guard x.rank >= 2 else { throw RuntimeError.invalid("input must have rank >= 2 ([N, C, …]), got shape \(x.shape)") }
    guard let groups = node.int("num_groups"), groups >= 1, x.shape[1] % groups == 0 else {
        throw RuntimeError.invalid("num_groups must be given and divide the \(x.shape[1]) channels, got \(node.int("num_groups").map(String.init) ?? "none")")
    }
    let c = x.shape[1]
    return (groups, try inputs.required(1, "scale").count == c && (opset >= 21 || c != groups))
}

// MARK: LayerNormalization

private func layerNormalization(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> [Tensor] {
    let x = try inputs.required(0)
    let axis = try normalizedAxes([ctx.node.int("axis", default: -1)], rank: x.rank)[0]
    let normShape = Array(x.shape[axis...])
    let length = normShape.reduce(1, *), rows = x.shape[..<axis].reduce(1, *)
    let scale = try broadcastParameter(try inputs.required(1, "Scale"), "Scale", to: normShape)
    let bias = try inputs.optional(2).map { try broadcastParameter($0, "B", to: normShape) }
    let eps = Double(ctx.node.float("epsilon", default: 1e-5))
    let stashCode = ctx.node.int("stash_type", default: 1)
    guard let stash = DType(rawValue: stashCode), stash.isFloatingPoint else {
        throw RuntimeError.invalid("stash_type must be a floating-point type code, got \(stashCode)")
    }
    var mean: [Double] = [], variance: [Double] = []
    let y = try inFloat(x, "LayerNormalization") { t in
        (mean, variance) = rowMoments(t, rows: rows, length: length)
        return t.dtype == .float32
            ? layerNorm(Float.self, t, rows: rows, length: length, mean: mean, variance: variance, eps: eps, scale: scale, bias: bias, ctx)
            : layerNorm(Double.self, t, rows: rows, length: length, mean: mean, variance: variance, eps: eps, scale: scale, bias: bias, ctx)
    }
    let statShape = Array(x.shape[..<axis]) + [Int](repeating: 1, count: x.rank - axis)
    return [y, Tensor(shape: statShape, dtype: stash, doubles: mean),
            Tensor(shape: statShape, dtype: stash, doubles: variance.map { 1 / ($0 + eps).squareRoot() })]
}

private func layerNorm<T: BinaryFloatingPoint & TensorElement>(
    _: T.Type, _ x: Tensor, rows: Int, length: Int, mean: [Double], variance: [Double], eps: Double,
    scale: [Double], bias: [Double]?, _ ctx: KernelContext
) -> Tensor {
    var y = ctx.allocate(x.shape, x.dtype, zeroed: false)
    let s = scale.map { T($0) }, b = (bias ?? [Double](repeating: 0, count: length)).map { T($0) }
    x.withUnsafeBufferPointer(as: T.self) { xb in
        y.withUnsafeMutableBufferPointer(as: T.self) { yb in
            for r in 0..<rows {
                let m = T(mean[r]), inv = T(1 / (variance[r] + eps).squareRoot())
                let base = r * length
                for i in 0..<length { yb[base + i] = (xb[base + i] - m) * inv * s[i] + b[i] }
            }
        }
    }
    return y
}

// MARK: LRN

/// y = x / (bias + alpha/size · Σ x²)^beta, the sum over channels
/// c − ⌊(size−1)/2⌋ … c + ⌈(size−1)/2⌉ at the same position.
private func lrn<T: BinaryFloatingPoint & TensorElement>(
    _: T.Type, _ x: Tensor, size: Int, alpha: Double, beta: Double, bias: Double, _ ctx: KernelContext
) -> Tensor {
    let n = x.shape[0], c = x.shape[1], plane = x.shape[2...].reduce(1, *)
    let before = (size - 1) / 2, after = size - 1 - before
    var y = ctx.allocate(x.shape, x.dtype, zeroed: false)
    var sum = [Double](repeating: 0, count: plane)
    let k = alpha / Double(size)
    x.withUnsafeBufferPointer(as: T.self) { xb in
        y.withUnsafeMutableBufferPointer(as: T.self) { yb in
            for img in 0..<n {
                for ch in 0..<c {
                    for p in 0..<plane { sum[p] = 0 }
                    for src in max(0, ch - before)...min(c - 1, ch + after) {
                        let base = (img * c + src) * plane
                        for p in 0..<plane { let v = Double(xb[base + p]); sum[p] += v * v }
                    }
                    let base = (img * c + ch) * plane
                    for p in 0..<plane {
                        yb[base + p] = T(Double(xb[base + p]) / pow(bias + k * sum[p], beta))
                    }
                }
            }
        }
    }
    return y
}

// MARK: MeanVarianceNormalization

/// (x − mean) / (√variance + 1e-9) with the moments over `axes` (the ONNX function body).
private func meanVarianceNormalize(_ x: Tensor, axes: [Int]) -> Tensor {
    let shape = x.shape, strides = Tensor.strides(of: shape)
    // Kept-axis index of each element, via strides that skip the reduced axes.
    var keptStrides = [Int](repeating: 0, count: shape.count)
    var groups = 1
    for a in stride(from: shape.count - 1, through: 0, by: -1) where !axes.contains(a) {
        keptStrides[a] = groups
        groups *= shape[a]
    }
    let values = x.doubles
    var group = [Int](repeating: 0, count: values.count)
    for i in 0..<values.count {
        var g = 0
        for a in 0..<shape.count where keptStrides[a] != 0 { g += (i / strides[a]) % shape[a] * keptStrides[a] }
        group[i] = g
    }
    var sum = [Double](repeating: 0, count: groups), sq = sum, count = sum
    for i in 0..<values.count { sum[group[i]] += values[i]; sq[group[i]] += values[i] * values[i]; count[group[i]] += 1 }
    var out = values
    for i in 0..<values.count {
        let g = group[i], m = sum[g] / count[g]
        out[i] = (values[i] - m) / ((sq[g] / count[g] - m * m).squareRoot() + 1e-9)
    }
    return Tensor(shape: shape, dtype: x.dtype, doubles: out)
}

// MARK: shared helpers

/// Runs `body` on x as float32 or float64 (float16/bfloat16 widened to float32, the result
/// narrowed back).
private func inFloat(_ x: Tensor, _ op: String, _ body: (Tensor) throws -> Tensor) throws -> Tensor {
    switch x.dtype {
    case .float32, .float64: return try body(x)
    case .float16, .bfloat16: return try body(x.converted(to: .float32)).converted(to: x.dtype)
    default: throw RuntimeError.dtype("\(op) supports float16, bfloat16, float32 and float64, got \(x.dtype)")
    }
}

/// Mean and population variance of each of `rows` consecutive runs of `length` elements
/// (two passes, Double accumulation).
private func rowMoments(_ x: Tensor, rows: Int, length: Int) -> ([Double], [Double]) {
    x.dtype == .float32 ? rowMoments(Float.self, x, rows: rows, length: length)
                        : rowMoments(Double.self, x, rows: rows, length: length)
}

private func rowMoments<T: BinaryFloatingPoint & TensorElement>(_: T.Type, _ x: Tensor, rows: Int, length: Int) -> ([Double], [Double]) {
    var mean = [Double](repeating: 0, count: rows), variance = mean
    guard length > 0 else { return (mean, variance) }
    x.withUnsafeBufferPointer(as: T.self) { xb in
        for r in 0..<rows {
            let base = r * length
            var s = 0.0
            for i in 0..<length { s += Double(xb[base + i]) }
            let m = s / Double(length)
            var v = 0.0
            for i in 0..<length { let d = Double(xb[base + i]) - m; v += d * d }
            mean[r] = m
            variance[r] = v / Double(length)
        }
    }
    return (mean, variance)
}

/// y[r, p] = x[r, p] · a[r mod a.count] + b[r mod a.count] over rows of `plane` elements.
private func applyAffine(_ x: Tensor, plane: Int, a: [Double], b: [Double], _ ctx: KernelContext) -> Tensor {
    x.dtype == .float32 ? applyAffine(Float.self, x, plane: plane, a: a, b: b, ctx)
                        : applyAffine(Double.self, x, plane: plane, a: a, b: b, ctx)
}

private func applyAffine<T: BinaryFloatingPoint & TensorElement>(_: T.Type, _ x: Tensor, plane: Int, a: [Double], b: [Double],
                                                                 _ ctx: KernelContext) -> Tensor {
    var y = ctx.allocate(x.shape, x.dtype, zeroed: false)
    guard plane > 0, !a.isEmpty else { return y }
    let rows = x.count / plane
    x.withUnsafeBufferPointer(as: T.self) { xb in
        y.withUnsafeMutableBufferPointer(as: T.self) { yb in
            for r in 0..<rows {
                let s = T(a[r % a.count]), t = T(b[r % a.count])
                let base = r * plane
                for i in 0..<plane { yb[base + i] = xb[base + i] * s + t }
            }
        }
    }
    return y
}

/// A per-channel parameter input as doubles, checked to hold `count` values.
func channelParameter(_ inputs: [Tensor?], _ i: Int, _ name: String, count: Int) throws -> [Double] {
    let t = try inputs.required(i, name)
    guard t.dtype.isFloatingPoint else { throw RuntimeError.dtype("\(name) must be floating point, got \(t.dtype)") }
    guard t.count == count else {
        throw RuntimeError.invalid("\(name) must have \(count) values (one per channel), got shape \(t.shape)")
    }
    return t.doubles
}

/// A parameter unidirectionally broadcast to `target` (trailing-aligned), flattened.
func broadcastParameter(_ t: Tensor, _ name: String, to target: [Int]) throws -> [Double] {
    guard t.rank <= target.count else {
        throw RuntimeError.invalid("\(name) of shape \(t.shape) cannot broadcast to the normalized shape \(target)")
    }
    let shape = [Int](repeating: 1, count: target.count - t.rank) + t.shape
    for (s, d) in zip(shape, target) where s != d && s != 1 {
        throw RuntimeError.invalid("\(name) of shape \(t.shape) cannot broadcast to the normalized shape \(target)")
    }
    let values = t.doubles
    if shape == target { return values }
    let srcStrides = Tensor.strides(of: shape), dstStrides = Tensor.strides(of: target)
    let count = target.reduce(1, *)
    var out = [Double](repeating: 0, count: count)
    for i in 0..<count {
        var src = 0
        for a in 0..<target.count where shape[a] != 1 { src += (i / dstStrides[a]) % target[a] * srcStrides[a] }
        out[i] = values[src]
    }
    return out
}

/// Negative axes counted from the end, checked against the rank.
func normalizedAxes(_ axes: [Int], rank: Int) throws -> [Int] {
    try axes.map { a in
        let v = a < 0 ? a + rank : a
        guard v >= 0 && v < rank else { throw RuntimeError.invalid("axis \(a) is out of range for rank \(rank)") }
        return v
    }
}
