import Foundation

/// Ops that rearrange or describe tensors without arithmetic. Views (Reshape, Flatten,
/// Squeeze, Unsqueeze, Identity) share the input's storage; the rest move bytes, so every
/// dtype works.
func registerShapeOps(into r: OpRegistry) {
    r.register("Reshape") { inputs, ctx in
        let x = try inputs.required(0)
        let spec = try inputs.required(1, "shape input").ints
        let allowZero = ctx.node.int("allowzero", default: 0) != 0
        return [x.reshaped(try reshapeTarget(x.shape, to: spec, allowZero: allowZero))]
    }

    r.register("Flatten") { inputs, ctx in
        let x = try inputs.required(0)
        let a = ctx.node.int("axis", default: 1)
        guard a >= -x.rank && a <= x.rank else {
            throw RuntimeError.invalid("axis \(a) is out of range for rank \(x.rank) (expected [-\(x.rank), \(x.rank)])")
        }
        let axis = a < 0 ? a + x.rank : a
        let outer = x.shape[..<axis].reduce(1, *)
        return [x.reshaped([outer, x.shape[axis...].reduce(1, *)])]
    }

    r.register("Squeeze") { inputs, ctx in
        let x = try inputs.required(0)
        let given = inputs.optional(1)?.ints ?? ctx.node.ints("axes")
        let shape: [Int]
        if let given {
            let axes = Set(try DataMovement.axes(given, rank: x.rank))
            for a in axes where x.shape[a] != 1 {
                throw RuntimeError.invalid("cannot squeeze axis \(a) of shape \(x.shape): its size is \(x.shape[a]), not 1")
            }
            shape = x.shape.indices.filter { !axes.contains($0) }.map { x.shape[$0] }
        } else {
            shape = x.shape.filter { $0 != 1 }
        }
        return [x.reshaped(shape)]
    }

    r.register("Unsqueeze") { inputs, ctx in
        let x = try inputs.required(0)
        guard let given = inputs.optional(1)?.ints ?? ctx.node.ints("axes") else {
            throw RuntimeError.invalid("Unsqueeze needs axes (attribute before opset 13, input #1 from opset 13)")
        }
        let outRank = x.rank + given.count
        let axes = Set(try DataMovement.axes(given, rank: outRank))
        var shape: [Int] = []
        var rest = x.shape.makeIterator()
        for i in 0..<outRank { shape.append(axes.contains(i) ? 1 : rest.next() ?? 1) }
        return [x.reshaped(shape)]
    }

    r.register("Identity") { inputs, _ in [try inputs.required(0)] }

    r.register("Transpose") { inputs, ctx in
        let x = try inputs.required(0)
        let perm = ctx.node.ints("perm") ?? Array((0..<x.rank).reversed())
        guard perm.count == x.rank, perm.sorted() == Array(0..<x.rank) else {
            throw RuntimeError.invalid("perm \(perm) is not a permutation of the \(x.rank) axes of shape \(x.shape)")
        }
        if perm == Array(0..<x.rank) { return [x] }
        return [try DataMovement.transpose(x, perm: perm, ctx)]
    }

    r.register("Concat") { inputs, ctx in try [concat(inputs, ctx)] }
    r.register("Split") { inputs, ctx in try split(inputs, ctx) }

    r.register("Expand") { inputs, ctx in
        let x = try inputs.required(0)
        let target = try inputs.required(1, "shape input").ints
        let shape = try expandedShape(x.shape, target)
        // Broadcast axes read with stride 0.
        let st = Tensor.strides(of: x.shape)
        let lead = shape.count - x.rank
        let strides = shape.indices.map { i -> Int in
            i < lead || x.shape[i - lead] == 1 ? 0 : st[i - lead]
        }
        return [try DataMovement.materialize(x, viewShape: shape, viewStrides: strides, ctx)]
    }

    r.register("Tile") { inputs, ctx in
        let x = try inputs.required(0)
        let reps = try inputs.required(1, "repeats input").ints
        guard reps.count == x.rank else {
            throw RuntimeError.invalid("repeats \(reps) must have one entry per axis of shape \(x.shape)")
        }
        try DataMovement.checkShape(reps, "repeats")
        try DataMovement.checkShape(x.shape + reps, "input shape and repeats")
        // View as [r0, d0, r1, d1, …] with stride 0 on the repeat axes; its row-major
        // order is exactly the tiled output's.
        let st = Tensor.strides(of: x.shape)
        var view: [Int] = [], strides: [Int] = []
        for i in 0..<x.rank { view += [reps[i], x.shape[i]]; strides += [0, st[i]] }
        let out = try DataMovement.materialize(x, viewShape: view, viewStrides: strides, ctx)
        return [out.reshaped(zip(x.shape, reps).map { $0 * $1 })]
    }

    r.register("Shape") { inputs, ctx in
        let x = try inputs.required(0)
        // start/end (opset 15) slice the shape with clamping.
        func clamp(_ v: Int) -> Int { min(max(v < 0 ? v + x.rank : v, 0), x.rank) }
        let start = clamp(ctx.node.int("start", default: 0))
        let end = max(start, clamp(ctx.node.int("end", default: x.rank)))
        let dims = x.shape[start..<end].map { Int64($0) }
        return [Tensor(shape: [dims.count], int64s: dims)]
    }

    r.register("Size") { inputs, _ in [Tensor(scalarInt64: Int64(try inputs.required(0).count))] }

    r.register("Dropout") { inputs, ctx in
        let x = try inputs.required(0)
        let ratio = try inputs.optional(1).map { t -> Double in
            guard t.count == 1 else { throw RuntimeError.invalid("ratio must be a scalar, got shape \(t.shape)") }
            return t.doubles[0]
        } ?? Double(ctx.node.float("ratio", default: 0.5))
        let training = try inputs.optional(2).map { try DataMovement.scalarInt($0, "training_mode") != 0 } ?? false
        if training && ratio > 0 {
            throw RuntimeError.unsupported("Dropout in training mode (training_mode = true, ratio = \(ratio)) is not supported; only inference")
        }
        guard ctx.node.outputs.count > 1, !ctx.node.outputs[1].isEmpty else { return [x] }
        // The mask is bool from opset 10, the input's type before.
        let maskType: DType = ctx.opset >= 10 ? .bool : x.dtype
        let one = Tensor(shape: [], dtype: maskType, doubles: [1])
        return [x, try DataMovement.filled(x.shape, with: one, ctx)]
    }

    r.register("ConstantOfShape") { inputs, ctx in
        let shape = try inputs.required(0, "shape input").ints
        try DataMovement.checkShape(shape, "shape")
        let value = ctx.node.tensor("value") ?? Tensor(shape: [1], floats: [0])
        return [try DataMovement.filled(shape, with: value, ctx)]
    }

    r.register("Range") { inputs, ctx in try [range(inputs, ctx)] }
    r.register("Constant") { _, ctx in try [constant(ctx.node)] }

    r.register("DepthToSpace") { inputs, ctx in
        let x = try inputs.required(0)
        let p = try depthToSpace(x.shape, ctx.node)
        return [try DataMovement.transpose(x.reshaped(p.view), perm: p.perm, ctx).reshaped(p.out)]
    }

    r.register("SpaceToDepth") { inputs, ctx in
        let x = try inputs.required(0)
        let p = try spaceToDepth(x.shape, ctx.node)
        return [try DataMovement.transpose(x.reshaped(p.view), perm: p.perm, ctx).reshaped(p.out)]
    }
    registerShapeVJPs(into: r)
}

/// DepthToSpace/SpaceToDepth as a transpose of a 6-D view of the input: the view's shape,
/// the permutation and the output shape.
private typealias BlockRearrangement = (view: [Int], perm: [Int], out: [Int])

private func depthToSpace(_ shape: [Int], _ node: Node) throws -> BlockRearrangement {
    let b = node.int("blocksize", default: 0)
    guard shape.count == 4, b > 0, b < 1 << 20, shape[1] % (b * b) == 0 else {
        throw RuntimeError.invalid("DepthToSpace needs a 4-D input whose channels divide by blocksize² (blocksize \(b), shape \(shape))")
    }
    let (n, c, h, w) = (shape[0], shape[1] / (b * b), shape[2], shape[3])
    let mode = node.string("mode", default: "DCR")
    switch mode {
    case "DCR": return ([n, b, b, c, h, w], [0, 3, 4, 1, 5, 2], [n, c, h * b, w * b])
    case "CRD": return ([n, c, b, b, h, w], [0, 1, 4, 2, 5, 3], [n, c, h * b, w * b])
    default: throw RuntimeError.invalid("mode must be DCR or CRD, got '\(mode)'")
    }
}

private func spaceToDepth(_ shape: [Int], _ node: Node) throws -> BlockRearrangement {
    let b = node.int("blocksize", default: 0)
    guard shape.count == 4, b > 0, b < 1 << 20, shape[2] % b == 0, shape[3] % b == 0 else {
        throw RuntimeError.invalid("SpaceToDepth needs a 4-D input whose height and width divide by blocksize (blocksize \(b), shape \(shape))")
    }
    let (n, c, h, w) = (shape[0], shape[1], shape[2] / b, shape[3] / b)
    return ([n, c, h, b, w, b], [0, 3, 5, 1, 2, 4], [n, c * b * b, h, w])
}

/// Reshape's target: 0 copies the input dimension (unless `allowZero`), one -1 is inferred.
private func reshapeTarget(_ input: [Int], to spec: [Int], allowZero: Bool) throws -> [Int] {
    var shape = spec
    var inferred: Int? = nil
    for (i, d) in spec.enumerated() {
        switch d {
        case -1:
            guard inferred == nil else { throw RuntimeError.invalid("shape \(spec) has more than one -1") }
            inferred = i
        case 0 where !allowZero:
            guard i < input.count else {
                throw RuntimeError.invalid("shape \(spec) copies dimension \(i) (0) but the input \(input) has rank \(input.count)")
            }
            shape[i] = input[i]
        case ..<0:
            throw RuntimeError.invalid("shape \(spec) has invalid dimension \(d)")
        default: break
        }
    }
    let total = input.reduce(1, *)
    try DataMovement.checkShape(shape.map { max($0, 0) }, "shape")
    if let i = inferred {
        let known = shape.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
        guard known != 0, total % known == 0 else {
            throw RuntimeError.invalid("cannot reshape \(input) (\(total) elements) to \(spec): -1 cannot be inferred")
        }
        shape[i] = total / known
    }
    guard shape.reduce(1, *) == total else {
        throw RuntimeError.invalid("cannot reshape \(input) (\(total) elements) to \(spec) (\(shape.reduce(1, *)) elements)")
    }
    return shape
}

/// Expand's output: multidirectional (numpy) broadcast of the input and the requested shape.
private func expandedShape(_ a: [Int], _ b: [Int]) throws -> [Int] {
    try DataMovement.checkShape(b, "shape")
    let r = max(a.count, b.count)
    let out = try (0..<r).map { i in
        let x = i - (r - a.count) >= 0 ? a[i - (r - a.count)] : 1
        let y = i - (r - b.count) >= 0 ? b[i - (r - b.count)] : 1
        guard x == y || x == 1 || y == 1 else {
            throw RuntimeError.invalid("shapes \(a) and \(b) cannot be broadcast (dimension \(i): \(x) vs \(y))")
        }
        return x == 1 ? y : x
    }
    try DataMovement.checkShape(out, "output shape")
    return out
}

private func concat(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let parts = inputs.compactMap { $0 }
    guard let first = parts.first else { throw RuntimeError.invalid("Concat needs at least one input") }
    guard let a = ctx.node.int("axis") else { throw RuntimeError.invalid("Concat needs the 'axis' attribute") }
    let axis = try DataMovement.axis(a, rank: first.rank)
    var shape = first.shape
    shape[axis] = 0
    for (i, p) in parts.enumerated() {
        guard p.dtype == first.dtype else {
            throw RuntimeError.dtype("input #\(i) is \(p.dtype) but input #0 is \(first.dtype)")
        }
        guard p.rank == first.rank, p.shape.indices.allSatisfy({ $0 == axis || p.shape[$0] == first.shape[$0] }) else {
            throw RuntimeError.invalid("input #\(i) has shape \(p.shape), which does not match \(first.shape) outside axis \(axis)")
        }
        shape[axis] += p.shape[axis]
    }
    let es = try DataMovement.elementSize(first)
    var out = ctx.allocate(shape, first.dtype, zeroed: false)
    out.makeUnique()
    let outStrides = Tensor.strides(of: shape)
    var at = 0
    for p in parts {
        DataMovement.stridedCopy(shape: p.shape, src: p.storage.data, srcOffset: 0, srcStrides: Tensor.strides(of: p.shape),
                                 dst: out.storage.data, dstOffset: at * outStrides[axis], dstStrides: outStrides, elementSize: es)
        at += p.shape[axis]
    }
    return out
}

private func split(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> [Tensor] {
    let x = try inputs.required(0)
    let axis = try DataMovement.axis(ctx.node.int("axis", default: 0), rank: x.rank)
    let dim = x.shape[axis]
    let sizes: [Int]
    if let given = inputs.optional(1)?.ints ?? ctx.node.ints("split") {
        guard given.allSatisfy({ $0 >= 0 && $0 <= dim }), given.reduce(0, +) == dim else {
            throw RuntimeError.invalid("split sizes \(given) must be non-negative and sum to \(dim), the size of axis \(axis)")
        }
        sizes = given
    } else {
        let n = ctx.node.int("num_outputs") ?? ctx.node.outputs.count
        guard n > 0 else { throw RuntimeError.invalid("Split needs at least one output") }
        if ctx.node.has("num_outputs") {
            // Opset 18: equal chunks of ceil(dim / n), the last one smaller.
            let chunk = (dim + n - 1) / n
            sizes = (0..<n).map { max(0, min(chunk, dim - $0 * chunk)) }
        } else {
            guard dim % n == 0 else {
                throw RuntimeError.invalid("axis \(axis) of size \(dim) cannot be split into \(n) equal parts")
            }
            sizes = [Int](repeating: dim / n, count: n)
        }
    }
    guard sizes.count == ctx.node.outputs.count else {
        throw RuntimeError.invalid("split sizes \(sizes) give \(sizes.count) parts but the node has \(ctx.node.outputs.count) outputs")
    }
    let st = Tensor.strides(of: x.shape)
    var at = 0
    return try sizes.map { size in
        var shape = x.shape
        shape[axis] = size
        defer { at += size }
        return try DataMovement.materialize(x, viewShape: shape, viewStrides: st, offset: at * st[axis], ctx)
    }
}

private func range(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let ts = try (0..<3).map { try inputs.required($0, ["start", "limit", "delta"][$0]) }
    for t in ts where t.count != 1 || t.dtype != ts[0].dtype {
        throw RuntimeError.invalid("start, limit and delta must be scalars of one type, got \(ts.map(\.description))")
    }
    let dtype = ts[0].dtype
    // Element count ceil((limit - start) / delta), computed in Double and bounded so that a
    // huge range is an error rather than an allocation failure.
    let (start, limit, delta) = (ts[0].doubles[0], ts[1].doubles[0], ts[2].doubles[0])
    guard delta != 0, delta.isFinite, start.isFinite, limit.isFinite else {
        throw RuntimeError.invalid("Range needs finite start/limit and a non-zero delta, got \(start), \(limit), \(delta)")
    }
    let count = max(0, ((limit - start) / delta).rounded(.up))
    guard count < Double(1 << 40) else { throw RuntimeError.invalid("Range(\(start), \(limit), \(delta)) has too many elements") }
    let n = Int(count)
    if dtype.isInteger {
        let (s, d) = (Int64(ts[0].ints[0]), Int64(ts[2].ints[0]))
        return Tensor(shape: [n], dtype: dtype, doubles: (0..<n).map { Double(s &+ Int64($0) &* d) })
    }
    return Tensor(shape: [n], dtype: dtype, doubles: (0..<n).map { start + Double($0) * delta })
}

private func constant(_ node: Node) throws -> Tensor {
    if let t = node.tensor("value") { return t }
    if let v = node.float("value_float") { return Tensor(scalar: v) }
    if let v = node.floats("value_floats") { return Tensor(shape: [v.count], floats: v) }
    if let v = node.int("value_int") { return Tensor(scalarInt64: Int64(v)) }
    if let v = node.ints("value_ints") { return Tensor(shape: [v.count], int64s: v.map(Int64.init)) }
    for key in ["value_string", "value_strings", "sparse_value"] where node.has(key) {
        throw RuntimeError.unsupported("Constant with '\(key)' is not supported (string and sparse tensors)")
    }
    throw RuntimeError.invalid("Constant has none of the attributes value, value_float(s), value_int(s)")
}

// MARK: gradients

/// Reverse-mode rules: views pass the gradient back reshaped, movements move it back
/// (Transpose by the inverse permutation, Concat/Split into each other), broadcasts sum it.
/// Shape, size and constant producers have no gradient; shape/repeat inputs get none.
private func registerShapeVJPs(into r: OpRegistry) {
    r.markNonDifferentiable(["Shape", "Size"], because: "its output holds integer sizes")
    r.markNonDifferentiable(["ConstantOfShape", "Range", "Constant"], because: "it produces constants (a Range from its start/limit/delta scalars is piecewise constant in them)")
    for op in ["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity"] {
        r.registerVJP(op) { c in [try c.passThrough(), nil] }
    }
    // Inference Dropout is the identity (training mode is refused by the forward kernel).
    r.registerVJP("Dropout") { c in [try c.passThrough(), nil, nil] }
    r.registerVJP("Transpose") { c in
        guard c.needs(0), let x = c.inputs[0] else { return [nil] }
        let perm = c.node.ints("perm") ?? Array((0..<x.rank).reversed())
        return [try DataMovement.transpose(try c.outputGrad(0), perm: inversePermutation(perm), c.kernelContext)]
    }
    r.registerVJP("Concat") { c in
        guard let a = c.node.int("axis"), let first = c.inputs.first ?? nil else { throw RuntimeError.invalid("Concat needs the 'axis' attribute") }
        let axis = try DataMovement.axis(a, rank: first.rank)
        let g = try c.outputGrad(0)
        let st = Tensor.strides(of: g.shape)
        var at = 0
        return try c.inputs.indices.map { i in
            guard let p = c.inputs[i] else { return nil }
            defer { at += p.shape[axis] }
            guard c.needs(i) else { return nil }
            return try DataMovement.materialize(g, viewShape: p.shape, viewStrides: st, offset: at * st[axis], c.kernelContext)
        }
    }
    // Split: the outputs' gradients (zeros for unused outputs) concatenated back.
    r.registerVJP("Split") { c in
        guard c.needs(0), let x = c.inputs[0] else { return [nil, nil] }
        let axis = try DataMovement.axis(c.node.int("axis", default: 0), rank: x.rank)
        let dx = Tensor(zeros: x.shape, dtype: x.dtype)
        let st = Tensor.strides(of: x.shape)
        let es = try DataMovement.elementSize(x)
        var at = 0
        for i in c.outputs.indices {
            let g = try c.outputGrad(i).plain()
            DataMovement.stridedCopy(shape: g.shape, src: g.storage.data, srcOffset: 0, srcStrides: Tensor.strides(of: g.shape),
                                     dst: dx.storage.data, dstOffset: at * st[axis], dstStrides: st, elementSize: es)
            at += g.shape[axis]
        }
        return [dx, nil]
    }
    // The engine sums the broadcast gradient back to the input's shape.
    r.registerVJP("Expand") { c in [c.needs(0) ? try c.outputGrad(0) : nil, nil] }
    // Tile: viewed as [r0, d0, r1, d1, …], the gradient sums over the repeat axes.
    r.registerVJP("Tile") { c in
        guard c.needs(0), let x = c.inputs[0] else { return [nil, nil] }
        let reps = try c.inputs.required(1, "repeats input").ints
        var view: [Int] = [], kept: [Int] = []
        for (d, k) in zip(x.shape, reps) { view += [k, d]; kept += [1, d] }
        return [try GradientMath.sum(try c.outputGrad(0).reshaped(view), toShape: kept).reshaped(x.shape), nil]
    }
    r.registerVJP("DepthToSpace") { c in [try rearrangeBack(c, depthToSpace)] }
    r.registerVJP("SpaceToDepth") { c in [try rearrangeBack(c, spaceToDepth)] }
}

/// The output gradient moved back through a block rearrangement's transpose.
private func rearrangeBack(_ c: VJPContext, _ plan: ([Int], Node) throws -> BlockRearrangement) throws -> Tensor? {
    guard c.needs(0), let x = c.inputs[0] else { return nil }
    let p = try plan(x.shape, c.node)
    let g = try c.outputGrad(0).reshaped(p.perm.map { p.view[$0] })
    return try DataMovement.transpose(g, perm: inversePermutation(p.perm), c.kernelContext).reshaped(x.shape)
}
