import Foundation

/// Ops whose output is decided by positions rather than arithmetic: Compress and NonZero
/// (selection by a mask), ReverseSequence (per-sequence reversal) and EyeLike (ones on a
/// diagonal). Data moves byte-wise, so every dtype works.
func registerSelectionOps(into r: OpRegistry) {
    r.register("Compress", since: 9) { inputs, ctx in [try compress(inputs, ctx)] }
    r.register("NonZero", since: 9) { inputs, ctx in [try nonZero(inputs.required(0), ctx)] }
    r.register("ReverseSequence", since: 10) { inputs, ctx in [try reverseSequence(inputs, ctx)] }
    r.register("EyeLike", since: 9) { inputs, ctx in [try eyeLike(inputs.required(0), ctx)] }
    // Integer indices and a constant pattern: no gradient.
    r.markNonDifferentiable(["NonZero"], because: "its output holds integer indices")
    r.markNonDifferentiable(["EyeLike"], because: "its output is a constant pattern that depends only on the input's shape")
    // Compress: the gradient goes back to the selected slices, zeros elsewhere.
    r.registerVJP("Compress") { c in
        guard c.needs(0), let x = c.inputs[0] else { return [nil, nil] }
        let condition = try c.inputs.required(1, "condition")
        let g = try c.outputGrad(0).plain()
        let es = try DataMovement.elementSize(x)
        var dx = Tensor(zeros: x.shape, dtype: x.dtype)
        if let a = c.node.int("axis") {
            let axis = try DataMovement.axis(a, rank: x.rank)
            let selected = try selectedIndices(condition, limit: x.shape[axis])
            placeSlices(g, selected, into: &dx, outer: x.shape[..<axis].reduce(1, *), n: x.shape[axis],
                        inner: x.shape[(axis + 1)...].reduce(1, *), es: es)
        } else {
            placeSlices(g, try selectedIndices(condition, limit: x.count), into: &dx, outer: 1, n: x.count, inner: 1, es: es)
        }
        return [dx, nil]
    }
    // A per-sequence reversal is its own transpose.
    r.registerVJP("ReverseSequence") { c in
        guard c.needs(0) else { return [nil, nil] }
        return [try reverseSequence([try c.outputGrad(0), c.inputs.optional(1)], c.kernelContext), nil]
    }
}

/// The adjoint of `copySlices`: dst[o, selected[j], :] = y[o, j, :], other slices untouched.
private func placeSlices(_ y: Tensor, _ selected: [Int], into dst: inout Tensor, outer: Int, n: Int, inner: Int, es: Int) {
    let row = inner * es, m = selected.count
    y.withUnsafeBytes { src in
        dst.withUnsafeMutableBytes { d in
            guard let s = src.baseAddress, let d = d.baseAddress, row > 0 else { return }
            for o in 0..<outer {
                for (j, k) in selected.enumerated() {
                    (d + (o * n + k) * row).copyMemory(from: s + (o * m + j) * row, byteCount: row)
                }
            }
        }
    }
}

/// The slices along `axis` (or the elements of the flattened input, without an axis) whose
/// condition entry is true. A condition shorter than the axis selects nothing beyond its end.
private func compress(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let x = try inputs.required(0), condition = try inputs.required(1, "condition")
    guard condition.dtype == .bool else { throw RuntimeError.dtype("Compress: condition must be bool, got \(condition.dtype)") }
    guard condition.rank == 1 else { throw RuntimeError.invalid("Compress: condition must be 1-D, got shape \(condition.shape)") }
    let es = try DataMovement.elementSize(x)
    if let a = ctx.node.int("axis") {
        let axis = try DataMovement.axis(a, rank: x.rank)
        let selected = try selectedIndices(condition, limit: x.shape[axis])
        var outShape = x.shape
        outShape[axis] = selected.count
        return copySlices(x, selected, outShape: outShape, outer: x.shape[..<axis].reduce(1, *), n: x.shape[axis],
                          inner: x.shape[(axis + 1)...].reduce(1, *), es: es, ctx)
    }
    let selected = try selectedIndices(condition, limit: x.count)
    return copySlices(x, selected, outShape: [selected.count], outer: 1, n: x.count, inner: 1, es: es, ctx)
}

/// Positions i < limit with condition[i] true. A true entry past `limit` has no slice to
/// select: numpy rejects it, and so does this kernel.
private func selectedIndices(_ condition: Tensor, limit: Int) throws -> [Int] {
    try condition.withElements(UInt8.self) { c in
        var out: [Int] = []
        for i in 0..<condition.count where c[i] != 0 {
            guard i < limit else {
                throw RuntimeError.invalid("Compress: condition is true at index \(i), beyond the \(limit) slices of the input")
            }
            out.append(i)
        }
        return out
    }
}

/// y[o, j, :] = x[o, selected[j], :] over [outer, n, inner] views.
private func copySlices(_ x: Tensor, _ selected: [Int], outShape: [Int], outer: Int, n: Int, inner: Int, es: Int,
                        _ ctx: KernelContext) -> Tensor {
    var y = ctx.allocate(outShape, x.dtype, zeroed: false)
    let row = inner * es, m = selected.count
    x.withUnsafeBytes { src in
        y.withUnsafeMutableBytes { dst in
            guard let s = src.baseAddress, let d = dst.baseAddress, row > 0 else { return }
            for o in 0..<outer {
                for (j, k) in selected.enumerated() {
                    (d + (o * m + j) * row).copyMemory(from: s + (o * n + k) * row, byteCount: row)
                }
            }
        }
    }
    return y
}

/// int64 [rank, count] coordinates of the non-zero elements in row-major order. A scalar is
/// treated as a one-element vector (numpy's behaviour).
private func nonZero(_ x: Tensor, _ ctx: KernelContext) throws -> Tensor {
    let mask: [Bool]
    switch x.dtype {
    case .bool: mask = x.withElements(UInt8.self) { p in (0..<x.count).map { p[$0] != 0 } }
    case .bfloat16: mask = try DType.float32.visit(NonZeroMask(x: x.converted(to: .float32)), op: "NonZero")
    default: mask = try x.dtype.visit(NonZeroMask(x: x), op: "NonZero")
    }
    let shape = x.rank == 0 ? [1] : x.shape
    let strides = Tensor.strides(of: shape)
    let count = mask.reduce(0) { $1 ? $0 + 1 : $0 }
    var y = ctx.allocate([shape.count, count], .int64, zeroed: false)
    y.withMutableElements(Int64.self) { p in
        var j = 0
        for (i, nz) in mask.enumerated() where nz {
            for d in 0..<shape.count { p[d * count + j] = Int64((i / strides[d]) % shape[d]) }
            j += 1
        }
    }
    return y
}

private struct NonZeroMask: NumericVisitor {
    let x: Tensor
    func floating<T: BinaryFloatingPoint & TensorElement>(_: T.Type) throws -> [Bool] { run(T.self) }
    func integer<T: FixedWidthInteger & TensorElement>(_: T.Type) throws -> [Bool] { run(T.self) }
    private func run<T: TensorElement & Numeric>(_: T.Type) -> [Bool] {
        x.withElements(T.self) { p in (0..<x.count).map { p[$0] != 0 } }
    }
}

/// Reverses, for every batch entry b, the first sequence_lens[b] steps along the time axis;
/// later steps are copied unchanged. The batch and time axes are 0 and 1 in some order.
private func reverseSequence(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let x = try inputs.required(0), lens = try inputs.required(1, "sequence_lens")
    let batchAxis = ctx.node.int("batch_axis", default: 1), timeAxis = ctx.node.int("time_axis", default: 0)
    guard x.rank >= 2 else { throw RuntimeError.invalid("ReverseSequence needs an input of rank >= 2, got \(x.shape)") }
    guard Set([batchAxis, timeAxis]) == [0, 1] else {
        throw RuntimeError.invalid("ReverseSequence: batch_axis and time_axis must be 0 and 1 in some order, got \(batchAxis) and \(timeAxis)")
    }
    let batch = x.shape[batchAxis], time = x.shape[timeAxis]
    guard lens.dtype == .int64 || lens.dtype == .int32, lens.shape == [batch] else {
        throw RuntimeError.invalid("ReverseSequence: sequence_lens must be int64 of shape [\(batch)], got \(lens.dtype)\(lens.shape)")
    }
    let lengths = lens.ints
    if let bad = lengths.firstIndex(where: { $0 < 0 || $0 > time }) {
        throw RuntimeError.invalid("ReverseSequence: sequence_lens[\(bad)] = \(lengths[bad]) is outside [0, \(time)] (the time axis)")
    }
    let es = try DataMovement.elementSize(x)
    let row = x.shape[2...].reduce(1, *) * es
    // Byte strides of one step along the batch and time axes.
    let batchStride = (batchAxis == 0 ? time : 1) * row, timeStride = (timeAxis == 0 ? batch : 1) * row
    var y = ctx.allocate(x.shape, x.dtype, zeroed: false)
    x.withUnsafeBytes { src in
        y.withUnsafeMutableBytes { dst in
            guard let s = src.baseAddress, let d = dst.baseAddress, row > 0 else { return }
            for b in 0..<batch {
                let len = lengths[b]
                for t in 0..<time {
                    let from = t < len ? len - 1 - t : t
                    (d + b * batchStride + t * timeStride).copyMemory(from: s + b * batchStride + from * timeStride, byteCount: row)
                }
            }
        }
    }
    return y
}

/// A 2-D tensor shaped like the input with ones on diagonal k (above the main one for k > 0)
/// and zeros elsewhere, of type `dtype` (default: the input's).
private func eyeLike(_ x: Tensor, _ ctx: KernelContext) throws -> Tensor {
    guard x.rank == 2 else { throw RuntimeError.invalid("EyeLike needs a 2-D input, got shape \(x.shape)") }
    var dtype = x.dtype
    if let code = ctx.node.int("dtype") {
        guard let d = DType(rawValue: code) else { throw RuntimeError.dtype("EyeLike: dtype \(DType.onnxName(code)) is not supported") }
        dtype = d
    }
    let one = Tensor(shape: [], dtype: dtype, doubles: [1])
    let es = try DataMovement.elementSize(one)
    let (rows, cols) = (x.shape[0], x.shape[1])
    // Diagonals beyond the matrix are empty; clamping keeps the index arithmetic in range.
    let k = max(-rows, min(cols, ctx.node.int("k", default: 0)))
    var y = ctx.allocate(x.shape, dtype, zeroed: true)
    one.withUnsafeBytes { v in
        y.withUnsafeMutableBytes { dst in
            guard let d = dst.baseAddress, let value = v.baseAddress else { return }
            // Row i holds its one at column i + k, when that column exists.
            let first = max(0, -k), end = min(rows, cols - k)
            guard end > first else { return }
            for i in first..<end {
                (d + (i * cols + i + k) * es).copyMemory(from: value, byteCount: es)
            }
        }
    }
    return y
}
