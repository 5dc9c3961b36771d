import Foundation

/// Ops that select or place elements by position or by index tensors. Data moves byte-wise,
/// so every dtype works; only Scatter reductions do arithmetic.
func registerIndexingOps(into r: OpRegistry) {
    r.register("Slice") { inputs, ctx in try [slice(inputs, ctx)] }
    r.register("Gather") { inputs, ctx in try [gather(inputs, ctx)] }
    r.register("GatherElements") { inputs, ctx in try [gatherElements(inputs, ctx)] }
    r.register("GatherND") { inputs, ctx in try [gatherND(inputs, ctx)] }
    // Scatter (opsets 9-10) is ScatterElements under its old name.
    r.register("Scatter") { inputs, ctx in try [scatterElements(inputs, ctx)] }
    r.register("ScatterElements") { inputs, ctx in try [scatterElements(inputs, ctx)] }
    r.register("ScatterND") { inputs, ctx in try [scatterND(inputs, ctx)] }
    r.register("OneHot") { inputs, ctx in try [oneHot(inputs, ctx)] }
    r.register("Trilu") { inputs, ctx in try [trilu(inputs, ctx)] }
    registerIndexingVJPs(into: r)
}

/// Start and element count along one axis after ONNX Slice clamping.
private func sliceRange(start: Int, end: Int, step: Int, dim: Int) -> (start: Int, count: Int) {
    var s = start < 0 ? start + dim : start
    var e = end < 0 ? end + dim : end
    // Any step longer than the axis selects at most one element; bounding it keeps the
    // arithmetic below from overflowing.
    if step > 0 {
        let step = min(step, dim + 1)
        s = min(max(s, 0), dim)
        e = min(max(e, 0), dim)
        return (s, e > s ? (e - s - 1) / step + 1 : 0)
    }
    let back = min(-max(step, -(dim + 1)), dim + 1)
    s = min(max(s, 0), dim - 1)
    e = min(max(e, -1), dim - 1)
    return (s, s > e ? (s - e - 1) / back + 1 : 0)
}

private func slice(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let x = try inputs.required(0)
    let v = try sliceView(x.shape, inputs, ctx)
    return try DataMovement.materialize(x, viewShape: v.shape, viewStrides: v.strides, offset: v.offset, ctx)
}

/// The slice as a strided view of the input: shape, element strides (negative for negative
/// steps) and the offset of its first element.
private func sliceView(_ xShape: [Int], _ inputs: [Tensor?], _ ctx: KernelContext) throws -> (shape: [Int], strides: [Int], offset: Int) {
    let starts: [Int], ends: [Int], axesGiven: [Int]?, steps: [Int]?
    if ctx.opset < 10 {
        guard let s = ctx.node.ints("starts"), let e = ctx.node.ints("ends") else {
            throw RuntimeError.invalid("Slice (opset < 10) needs the 'starts' and 'ends' attributes")
        }
        (starts, ends, axesGiven, steps) = (s, e, ctx.node.ints("axes"), nil)
    } else {
        starts = try inputs.required(1, "starts input").ints
        ends = try inputs.required(2, "ends input").ints
        axesGiven = inputs.optional(3)?.ints
        steps = inputs.optional(4)?.ints
    }
    let axes = try DataMovement.axes(axesGiven ?? Array(0..<starts.count), rank: xShape.count)
    guard ends.count == starts.count, axes.count == starts.count, steps.map({ $0.count == starts.count }) ?? true else {
        throw RuntimeError.invalid("starts \(starts), ends \(ends), axes \(axesGiven ?? []) and steps \(steps ?? []) must have equal lengths")
    }
    let st = Tensor.strides(of: xShape)
    var shape = xShape, strides = st, offset = 0
    for (i, a) in axes.enumerated() {
        let step = steps?[i] ?? 1
        guard step != 0 else { throw RuntimeError.invalid("slice step for axis \(a) must not be 0") }
        let (s, n) = sliceRange(start: starts[i], end: ends[i], step: step, dim: xShape[a])
        shape[a] = n
        // With two or more elements |step| < dim, so this cannot overflow.
        strides[a] = n > 1 ? st[a] * step : 0
        offset += n > 0 ? s * st[a] : 0
    }
    return (shape, strides, offset)
}

/// Index values as Int, negative ones wrapped, all checked against `dim`.
private func indexValues(_ t: Tensor, dim: Int, _ what: String) throws -> [Int] {
    guard t.dtype == .int64 || t.dtype == .int32 else { throw RuntimeError.dtype("\(what) must be int64 or int32, got \(t.dtype)") }
    var v = t.ints
    for i in v.indices {
        if v[i] < 0 { v[i] += dim }
        guard v[i] >= 0 && v[i] < dim else {
            throw RuntimeError.invalid("\(what) value \(v[i] < 0 ? v[i] - dim : v[i]) is out of range for a dimension of size \(dim)")
        }
    }
    return v
}

private func gather(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let x = try inputs.required(0)
    let indices = try inputs.required(1, "indices input")
    let axis = try DataMovement.axis(ctx.node.int("axis", default: 0), rank: x.rank)
    let idx = try indexValues(indices, dim: x.shape[axis], "indices")
    let es = try DataMovement.elementSize(x)
    let outer = x.shape[..<axis].reduce(1, *), inner = x.shape[(axis + 1)...].reduce(1, *)
    var out = ctx.allocate(Array(x.shape[..<axis]) + indices.shape + Array(x.shape[(axis + 1)...]), x.dtype, zeroed: false)
    out.makeUnique()
    let src = x.storage.data, dst = out.storage.data
    let block = inner * es, srcOuter = x.shape[axis] * block
    if inner == 1 {
        // One element per index: out[o, j] = x[o, idx[j]] as a typed per-axis gather
        // instead of element-sized memcpys.
        DataMovement.gatherAxes(src: src, srcShape: [outer, x.shape[axis]], maps: [Array(0..<outer), idx],
                                dst: dst, elementSize: es)
        return out
    }
    var d = dst
    for o in 0..<outer {
        let base = src + o * srcOuter
        for i in idx {
            d.copyMemory(from: base + i * block, byteCount: block)
            d += block
        }
    }
    return out
}

/// Offsets (in elements) into `data` addressed by an index tensor of the same rank whose
/// values replace the coordinate along `axis` (GatherElements / ScatterElements).
private func elementOffsets(data: [Int], indexShape: [Int], values: [Int], axis: Int) throws -> [Int] {
    guard indexShape.count == data.count else {
        throw RuntimeError.invalid("indices shape \(indexShape) must have the rank of data \(data)")
    }
    for d in 0..<data.count where d != axis && indexShape[d] > data[d] {
        throw RuntimeError.invalid("indices shape \(indexShape) exceeds data shape \(data) along axis \(d)")
    }
    let st = Tensor.strides(of: data)
    var offsets = [Int](repeating: 0, count: values.count)
    if values.isEmpty { return offsets }
    var pos = [Int](repeating: 0, count: data.count)
    var base = 0
    for i in 0..<values.count {
        offsets[i] = base + values[i] * st[axis]
        var k = data.count - 1
        while k >= 0 {
            pos[k] += 1
            if k != axis { base += st[k] }
            if pos[k] < indexShape[k] { break }
            if k != axis { base -= st[k] * indexShape[k] }
            pos[k] = 0
            k -= 1
        }
    }
    return offsets
}

private func gatherElements(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let x = try inputs.required(0)
    let indices = try inputs.required(1, "indices input")
    let axis = try DataMovement.axis(ctx.node.int("axis", default: 0), rank: x.rank)
    let values = try indexValues(indices, dim: x.shape[axis], "indices")
    let offsets = try elementOffsets(data: x.shape, indexShape: indices.shape, values: values, axis: axis)
    let es = try DataMovement.elementSize(x)
    var out = ctx.allocate(indices.shape, x.dtype, zeroed: false)
    out.makeUnique()
    let src = x.storage.data, dst = out.storage.data
    for (i, off) in offsets.enumerated() { (dst + i * es).copyMemory(from: src + off * es, byteCount: es) }
    return out
}

/// GatherND/ScatterND addressing: for every index tuple, the element offset of the slice it
/// selects in `data`, plus the slice length. `batchDims` leading axes are shared.
private func ndOffsets(data: [Int], indices: Tensor, batchDims b: Int) throws -> (offsets: [Int], slice: Int) {
    guard indices.dtype == .int64 || indices.dtype == .int32 else {
        throw RuntimeError.dtype("indices must be int64, got \(indices.dtype)")
    }
    let q = indices.rank
    guard q >= 1, let k = indices.shape.last, b >= 0, b < q, b + k <= data.count,
          Array(indices.shape[..<b]) == Array(data[..<b]) else {
        throw RuntimeError.invalid("indices shape \(indices.shape) does not address data shape \(data) with batch_dims \(b)")
    }
    let st = Tensor.strides(of: data)
    let slice = data[(b + k)...].reduce(1, *)
    let batchSize = data[b...].reduce(1, *)
    let perBatch = max(indices.shape[b..<(q - 1)].reduce(1, *), 1)
    let raw = indices.ints
    var offsets = [Int](repeating: 0, count: indices.shape.dropLast().reduce(1, *))
    for t in 0..<offsets.count {
        var off = (t / perBatch) * batchSize
        for j in 0..<k {
            var v = raw[t * k + j]
            let dim = data[b + j]
            if v < 0 { v += dim }
            guard v >= 0 && v < dim else {
                throw RuntimeError.invalid("index \(raw[t * k + j]) is out of range for axis \(b + j) of size \(dim)")
            }
            off += v * st[b + j]
        }
        offsets[t] = off
    }
    return (offsets, slice)
}

private func gatherND(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let x = try inputs.required(0)
    let indices = try inputs.required(1, "indices input")
    let b = ctx.node.int("batch_dims", default: 0)
    let (offsets, slice) = try ndOffsets(data: x.shape, indices: indices, batchDims: b)
    let k = indices.shape.last ?? 0
    let es = try DataMovement.elementSize(x)
    var out = ctx.allocate(Array(indices.shape.dropLast()) + Array(x.shape[(b + k)...]), x.dtype, zeroed: false)
    out.makeUnique()
    let src = x.storage.data, dst = out.storage.data
    for (t, off) in offsets.enumerated() {
        (dst + t * slice * es).copyMemory(from: src + off * es, byteCount: slice * es)
    }
    return out
}

// MARK: scatter

private enum ScatterReduction: String {
    case none, add, mul, max, min
}

/// dst[i] = reduce(dst[i], src[i]) for i < count, in the element type of `dtype`.
private func combine(_ r: ScatterReduction, _ dtype: DType, _ dst: UnsafeMutableRawPointer, _ src: UnsafeRawPointer, count: Int) throws {
    func apply<T: Numeric & Comparable>(_: T.Type) {
        let d = dst.assumingMemoryBound(to: T.self), s = src.assumingMemoryBound(to: T.self)
        for i in 0..<count {
            switch r {
            case .none: d[i] = s[i]
            case .add: d[i] = d[i] + s[i]
            case .mul: d[i] = d[i] * s[i]
            case .max: d[i] = Swift.max(d[i], s[i])
            case .min: d[i] = Swift.min(d[i], s[i])
            }
        }
    }
    switch dtype {
    case .float32: apply(Float.self)
    case .float64: apply(Double.self)
    case .float16: apply(Float16.self)
    // Integer reductions wrap like the C++ runtimes rather than trapping.
    case .int64, .int32, .int16, .int8, .uint64, .uint32, .uint16, .uint8:
        try combineWrapping(r, dtype, dst, src, count: count)
    default: throw RuntimeError.dtype("reduction '\(r.rawValue)' is not supported for \(dtype)")
    }
}

private func combineWrapping(_ r: ScatterReduction, _ dtype: DType, _ dst: UnsafeMutableRawPointer, _ src: UnsafeRawPointer, count: Int) throws {
    func apply<T: FixedWidthInteger>(_: T.Type) {
        let d = dst.assumingMemoryBound(to: T.self), s = src.assumingMemoryBound(to: T.self)
        for i in 0..<count {
            switch r {
            case .none: d[i] = s[i]
            case .add: d[i] = d[i] &+ s[i]
            case .mul: d[i] = d[i] &* s[i]
            case .max: d[i] = Swift.max(d[i], s[i])
            case .min: d[i] = Swift.min(d[i], s[i])
            }
        }
    }
    switch dtype {
    case .int64: apply(Int64.self)
    case .int32: apply(Int32.self)
    case .int16: apply(Int16.self)
    case .int8: apply(Int8.self)
    case .uint64: apply(UInt64.self)
    case .uint32: apply(UInt32.self)
    case .uint16: apply(UInt16.self)
    default: apply(UInt8.self)
    }
}

private func scatterReduction(_ ctx: KernelContext) throws -> ScatterReduction {
    let name = ctx.node.string("reduction", default: "none")
    guard let r = ScatterReduction(rawValue: name) else {
        throw RuntimeError.invalid("reduction must be none, add, mul, max or min, got '\(name)'")
    }
    return r
}

/// A fresh copy of `x` that the scatter ops then update in place.
private func copyForScatter(_ x: Tensor, _ updates: Tensor, _ ctx: KernelContext) throws -> Tensor {
    guard updates.dtype == x.dtype else { throw RuntimeError.dtype("updates are \(updates.dtype) but data is \(x.dtype)") }
    var out = ctx.allocate(x.shape, x.dtype, zeroed: false)
    out.makeUnique()
    out.storage.data.copyMemory(from: x.storage.data, byteCount: x.byteCount)
    return out
}

private func scatterElements(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let x = try inputs.required(0)
    let indices = try inputs.required(1, "indices input")
    let updates = try inputs.required(2, "updates input")
    guard updates.shape == indices.shape else {
        throw RuntimeError.invalid("updates shape \(updates.shape) must equal indices shape \(indices.shape)")
    }
    let axis = try DataMovement.axis(ctx.node.int("axis", default: 0), rank: x.rank)
    let reduction = try scatterReduction(ctx)
    let values = try indexValues(indices, dim: x.shape[axis], "indices")
    let offsets = try elementOffsets(data: x.shape, indexShape: indices.shape, values: values, axis: axis)
    let es = try DataMovement.elementSize(x)
    let out = try copyForScatter(x, updates, ctx)
    let dst = out.storage.data, src = updates.storage.data
    for (i, off) in offsets.enumerated() {
        if reduction == .none {
            (dst + off * es).copyMemory(from: src + i * es, byteCount: es)
        } else {
            try combine(reduction, x.dtype, dst + off * es, src + i * es, count: 1)
        }
    }
    return out
}

private func scatterND(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let x = try inputs.required(0)
    let indices = try inputs.required(1, "indices input")
    let updates = try inputs.required(2, "updates input")
    let (offsets, slice) = try ndOffsets(data: x.shape, indices: indices, batchDims: 0)
    let k = indices.shape.last ?? 0
    let expected = Array(indices.shape.dropLast()) + Array(x.shape[k...])
    guard updates.shape == expected else {
        throw RuntimeError.invalid("updates shape \(updates.shape) must be \(expected) for indices \(indices.shape) and data \(x.shape)")
    }
    let reduction = try scatterReduction(ctx)
    let es = try DataMovement.elementSize(x)
    let out = try copyForScatter(x, updates, ctx)
    let dst = out.storage.data, src = updates.storage.data
    for (t, off) in offsets.enumerated() {
        let d = dst + off * es, s = src + t * slice * es
        if reduction == .none {
            d.copyMemory(from: s, byteCount: slice * es)
        } else {
            try combine(reduction, x.dtype, d, s, count: slice)
        }
    }
    return out
}

// MARK: OneHot, Trilu

private func oneHot(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let indices = try inputs.required(0)
    let depthT = try inputs.required(1, "depth input")
    let values = try inputs.required(2, "values input")
    guard depthT.count == 1, let depthValue = depthT.doubles.first, depthValue >= 1, depthValue < Double(1 << 40) else {
        throw RuntimeError.invalid("depth must be a positive scalar, got \(depthT.doubles) of shape \(depthT.shape)")
    }
    let depth = Int(depthValue)
    guard values.count == 2 else {
        throw RuntimeError.invalid("values must hold [off_value, on_value], got shape \(values.shape)")
    }
    let a = ctx.node.int("axis", default: -1)
    let r = indices.rank
    guard a >= -(r + 1) && a <= r else { throw RuntimeError.invalid("axis \(a) is out of range for output rank \(r + 1)") }
    let axis = a < 0 ? a + r + 1 : a
    let es = try DataMovement.elementSize(values)
    var shape = indices.shape
    shape.insert(depth, at: axis)
    try DataMovement.checkShape(shape, "output shape")
    var out = ctx.allocate(shape, values.dtype, zeroed: false)
    out.makeUnique()
    let dst = out.storage.data, v = values.storage.data
    DataMovement.fill(dst, count: out.count, value: v, elementSize: es)
    let inner = indices.shape[axis...].reduce(1, *)
    for (i, raw) in indices.doubles.enumerated() where raw.isFinite && abs(raw) < 1e15 {
        var k = Int(raw)
        if k < 0 { k += depth }
        guard k >= 0 && k < depth else { continue }
        let o = i / inner, j = i % inner
        (dst + ((o * depth + k) * inner + j) * es).copyMemory(from: v + es, byteCount: es)
    }
    return out
}

private func trilu(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let x = try inputs.required(0)
    guard x.rank >= 2 else { throw RuntimeError.invalid("Trilu needs rank ≥ 2, got shape \(x.shape)") }
    let (n, m) = (x.shape[x.rank - 2], x.shape[x.rank - 1])
    // Beyond ±(n + m) every diagonal offset keeps all or nothing; clamping avoids overflow.
    let k = min(max(try inputs.optional(1).map { try DataMovement.scalarInt($0, "k") } ?? 0, -(n + m)), n + m)
    let upper = ctx.node.int("upper", default: 1) != 0
    let es = try DataMovement.elementSize(x)
    var out = ctx.allocate(x.shape, x.dtype, zeroed: true)
    out.makeUnique()
    let src = x.storage.data, dst = out.storage.data
    let batches = x.shape.dropLast(2).reduce(1, *)
    for bi in 0..<batches {
        for i in 0..<n {
            // Kept columns of row i: j - i ≥ k (upper) or j - i ≤ k (lower); the rest stay zero.
            let lo = upper ? min(max(i + k, 0), m) : 0
            let hi = upper ? m : min(max(i + k + 1, 0), m)
            guard hi > lo else { continue }
            let off = ((bi * n + i) * m + lo) * es
            (dst + off).copyMemory(from: src + off, byteCount: (hi - lo) * es)
        }
    }
    return out
}

// MARK: gradients

/// Reverse-mode rules: selections scatter the gradient back to the positions they read
/// (adding where an index repeats); scatters split it between data (positions not
/// overwritten) and updates. Index, shape and OneHot inputs get none.
private func registerIndexingVJPs(into r: OpRegistry) {
    r.markNonDifferentiable(["OneHot"], because: "its output depends on the values only through integer indices")
    r.registerVJP("Slice") { c in
        guard c.needs(0), let x = c.inputs[0] else { return [nil] }
        let v = try sliceView(x.shape, c.inputs, c.kernelContext)
        let g = try c.outputGrad(0).plain()
        let dx = Tensor(zeros: x.shape, dtype: x.dtype)
        // Slice positions are distinct: a strided copy into zeros, negative steps included.
        DataMovement.stridedCopy(shape: v.shape, src: g.storage.data, srcOffset: 0, srcStrides: Tensor.strides(of: v.shape),
                                 dst: dx.storage.data, dstOffset: v.offset, dstStrides: v.strides, elementSize: try DataMovement.elementSize(x))
        return [dx]
    }
    r.registerVJP("Gather") { c in
        guard c.needs(0), let x = c.inputs[0], x.dtype.isFloatingPoint else { return [nil, nil] }
        let indices = try c.inputs.required(1, "indices input")
        let axis = try DataMovement.axis(c.node.int("axis", default: 0), rank: x.rank)
        let idx = try indexValues(indices, dim: x.shape[axis], "indices")
        let outer = x.shape[..<axis].reduce(1, *), inner = x.shape[(axis + 1)...].reduce(1, *)
        var rows: [Int] = []
        rows.reserveCapacity(outer * idx.count)
        for o in 0..<outer { for i in idx { rows.append((o * x.shape[axis] + i) * inner) } }
        return [try ScatterAddRows(shape: x.shape, rows: rows, length: inner).run([try c.outputGrad(0)], as: x.dtype), nil]
    }
    r.registerVJP("GatherElements") { c in
        guard c.needs(0), let x = c.inputs[0], x.dtype.isFloatingPoint else { return [nil, nil] }
        let indices = try c.inputs.required(1, "indices input")
        let axis = try DataMovement.axis(c.node.int("axis", default: 0), rank: x.rank)
        let values = try indexValues(indices, dim: x.shape[axis], "indices")
        let offsets = try elementOffsets(data: x.shape, indexShape: indices.shape, values: values, axis: axis)
        return [try ScatterAddRows(shape: x.shape, rows: offsets, length: 1).run([try c.outputGrad(0)], as: x.dtype), nil]
    }
    r.registerVJP("GatherND") { c in
        guard c.needs(0), let x = c.inputs[0], x.dtype.isFloatingPoint else { return [nil, nil] }
        let indices = try c.inputs.required(1, "indices input")
        let (offsets, slice) = try ndOffsets(data: x.shape, indices: indices, batchDims: c.node.int("batch_dims", default: 0))
        return [try ScatterAddRows(shape: x.shape, rows: offsets, length: slice).run([try c.outputGrad(0)], as: x.dtype), nil]
    }
    for op in ["Scatter", "ScatterElements"] {
        r.registerVJP(op) { c in
            let x = try c.inputs.required(0), indices = try c.inputs.required(1, "indices input")
            let axis = try DataMovement.axis(c.node.int("axis", default: 0), rank: x.rank)
            let values = try indexValues(indices, dim: x.shape[axis], "indices")
            let offsets = try elementOffsets(data: x.shape, indexShape: indices.shape, values: values, axis: axis)
            return try scatterGradients(c, offsets: offsets, length: 1)
        }
    }
    r.registerVJP("ScatterND") { c in
        let x = try c.inputs.required(0), indices = try c.inputs.required(1, "indices input")
        let (offsets, slice) = try ndOffsets(data: x.shape, indices: indices, batchDims: 0)
        return try scatterGradients(c, offsets: offsets, length: slice)
    }
    // Trilu is linear and keeps the same triangle of its gradient.
    r.registerVJP("Trilu") { c in
        guard c.needs(0) else { return [nil, nil] }
        return [try trilu([try c.outputGrad(0), c.inputs.optional(1)], c.kernelContext), nil]
    }
}

/// Data and updates gradients of ScatterElements/ScatterND, whose update rows of `length`
/// elements land at `offsets`. reduction none: overwritten data positions get no gradient
/// and every update gets its position's (with repeated indices, whose winner ONNX leaves
/// undefined, each of them does); add: data passes it through. mul/max/min are refused.
private func scatterGradients(_ c: VJPContext, offsets: [Int], length: Int) throws -> [Tensor?] {
    let x = try c.inputs.required(0)
    let reduction = try scatterReduction(c.kernelContext)
    guard reduction == .none || reduction == .add else {
        throw RuntimeError.unsupported("\(c.node.opType) with reduction '\(reduction.rawValue)' has no gradient rule")
    }
    let g = try c.outputGrad(0).plain()
    let es = try DataMovement.elementSize(g)
    var dx: Tensor? = nil, du: Tensor? = nil
    if c.needs(0) && x.dtype.isFloatingPoint {
        var d = g.plain()
        d.makeUnique()
        if reduction == .none { for off in offsets { memset(d.storage.data + off * es, 0, length * es) } }
        dx = d
    }
    if c.needs(2), let u = c.inputs.optional(2), u.dtype.isFloatingPoint {
        var d = Tensor(zeros: u.shape, dtype: g.dtype)
        d.makeUnique()
        for (t, off) in offsets.enumerated() {
            (d.storage.data + t * length * es).copyMemory(from: g.storage.data + off * es, byteCount: length * es)
        }
        du = d
    }
    return [dx, nil, du]
}

/// Zeros of `shape` with out[rows[t] + s] += g[t·length + s]: the adjoint of reading rows
/// of `length` elements at `rows` (in order) from a tensor of `shape`.
private struct ScatterAddRows: FloatComputation {
    let shape: [Int], rows: [Int], length: Int
    func compute<T: FloatMath>(_ ts: [Tensor], _: T.Type) throws -> Tensor {
        let g = ts[0]
        guard g.count == rows.count * length else {
            throw RuntimeError.invalid("gradient of shape \(g.shape) does not match \(rows.count) rows of \(length)")
        }
        var out = Tensor(zeros: shape, dtype: T.dtype)
        g.withElements(T.self) { pg in
            out.withMutableElements(T.self) { po in
                for (t, r) in rows.enumerated() {
                    let d = po + r, s = pg + t * length
                    for k in 0..<length { d[k] += s[k] }
                }
            }
        }
        return out
    }
}
