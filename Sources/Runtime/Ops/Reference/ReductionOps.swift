import Foundation

/// Reduce* over a set of axes, and ArgMax/ArgMin along one axis.
func registerReductionOps(into r: OpRegistry) {
    let kinds: [(String, ReduceKind)] = [
        ("ReduceSum", .sum), ("ReduceMean", .mean), ("ReduceProd", .prod), ("ReduceMax", .max), ("ReduceMin", .min),
        ("ReduceL1", .l1), ("ReduceL2", .l2), ("ReduceSumSquare", .sumSquare), ("ReduceLogSum", .logSum),
        ("ReduceLogSumExp", .logSumExp),
    ]
    for (name, kind) in kinds {
        r.register(name) { inputs, ctx in [try reduce(kind, inputs, ctx)] }
    }
    r.register("ArgMax") { inputs, ctx in [try argExtremum(max: true, inputs, ctx)] }
    r.register("ArgMin") { inputs, ctx in [try argExtremum(max: false, inputs, ctx)] }

    r.markNonDifferentiable(["ArgMax", "ArgMin"], because: "its output holds integer indices")
    for (name, kind) in kinds {
        r.registerVJP(name) { c in [try reduceGradient(kind, c), nil] }
    }
}

private enum ReduceKind { case sum, mean, prod, max, min, l1, l2, sumSquare, logSum, logSumExp }

/// Which axes to reduce and the resulting shape.
private struct ReducePlan {
    /// Iterates the input with the output as operand 0 (stride 0 along reduced axes).
    let iteration: Broadcast
    let outShape: [Int]
    /// Input elements per output element.
    let groupSize: Int
}

/// Axes come from the `axes` attribute before opset 13 (ReduceSum) / 18 (the others) and
/// from the optional second input afterwards; whichever the node has is used. No axes means
/// all axes, or the identity when `noop_with_empty_axes` is set. nil: the identity.
private func reducePlan(_ x: Tensor, _ inputs: [Tensor?], _ ctx: KernelContext) throws -> ReducePlan? {
    let rank = x.rank
    let listed: [Int]
    if let t = inputs.optional(1) {
        guard t.dtype == .int64 || t.dtype == .int32 else {
            throw RuntimeError.dtype("\(ctx.node.opType): axes must be int64, got \(t.dtype)")
        }
        listed = t.ints
    } else {
        listed = ctx.node.ints("axes") ?? []
    }
    if listed.isEmpty && ctx.node.int("noop_with_empty_axes", default: 0) != 0 { return nil }
    var reduced = [Bool](repeating: listed.isEmpty, count: rank)
    for a in listed {
        guard a >= -rank && a < rank else {
            throw RuntimeError.invalid("\(ctx.node.opType): axis \(a) is out of range for rank \(rank) (allowed \(-rank)...\(rank - 1))")
        }
        reduced[a < 0 ? a + rank : a] = true
    }
    let kept = zip(x.shape, reduced).map { $1 ? 1 : $0 }
    let keepdims = ctx.node.int("keepdims", default: 1) != 0
    let outShape = keepdims ? kept : zip(x.shape, reduced).filter { !$1 }.map(\.0)
    let groupSize = zip(x.shape, reduced).filter(\.1).map(\.0).reduce(1, *)
    let iteration = Broadcast(iterating: x.shape, strides: [Broadcast.strides(of: kept, in: x.shape)])
    return ReducePlan(iteration: iteration, outShape: outShape, groupSize: groupSize)
}

/// `acc[o] = step(acc[o], x[i], o)` for every input element i and its output element o.
@inline(__always)
private func reduceRows<T, A>(_ plan: Broadcast, _ x: UnsafePointer<T>, _ acc: UnsafeMutablePointer<A>,
                              _ step: (A, T, Int) -> A) {
    let n = plan.rowLength
    let so = plan.rowStride(0)
    plan.forEachRow { dense, off in
        let px = x + dense
        let o = off[0]
        if so == 0 {
            var a = acc[o]
            for j in 0..<n { a = step(a, px[j], o) }
            acc[o] = a
        } else {
            for j in 0..<n { acc[o + j * so] = step(acc[o + j * so], px[j], o + j * so) }
        }
    }
}

private func reduce(_ kind: ReduceKind, _ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let x = try inputs.required(0)
    guard let plan = try reducePlan(x, inputs, ctx) else { return x }
    return try viaFloat32([x]) { t in
        let x = t[0]
        if kind == .max || kind == .min {
            return try x.dtype.visit(Extremum(x: x, plan: plan, isMax: kind == .max, ctx: ctx), op: ctx.node.opType)
        }
        return try x.dtype.visit(Accumulation(x: x, plan: plan, kind: kind, ctx: ctx), op: ctx.node.opType)
    }
}

/// ReduceMax/ReduceMin in the element type itself (exact for every type). NaN propagates;
/// an empty group gives -inf/+inf (floats) or the type's min/max (integers).
private struct Extremum: NumericVisitor {
    let x: Tensor, plan: ReducePlan, isMax: Bool, ctx: KernelContext

    private func run<T: TensorElement & Comparable>(_: T.Type, _ initial: T, _ pick: (T, T) -> T) -> Tensor {
        var y = ctx.allocate(plan.outShape, T.dtype, zeroed: false)
        let n = y.count
        y.withMutableElements(T.self) { po in
            for i in 0..<n { po[i] = initial }
            x.withElements(T.self) { px in reduceRows(plan.iteration, px, po) { a, v, _ in pick(a, v) } }
        }
        return y
    }
    func floating<T: BinaryFloatingPoint & TensorElement>(_: T.Type) throws -> Tensor {
        isMax ? run(T.self, -.infinity) { acc, v in v > acc || v.isNaN ? v : acc }
              : run(T.self, .infinity) { acc, v in v < acc || v.isNaN ? v : acc }
    }
    func integer<T: FixedWidthInteger & TensorElement>(_: T.Type) throws -> Tensor {
        isMax ? run(T.self, .min) { Swift.max($0, $1) } : run(T.self, .max) { Swift.min($0, $1) }
    }
}

/// The sum-based reductions, accumulated in Double (exact for integers up to 2^53, and no
/// float32 rounding drift over long rows), then converted to the element type.
private struct Accumulation: NumericVisitor {
    let x: Tensor, plan: ReducePlan, kind: ReduceKind, ctx: KernelContext

    private func run<T: TensorElement>(_: T.Type) -> Tensor {
        let outCount = plan.outShape.reduce(1, *)
        var acc = [Double](repeating: kind == .prod ? 1 : 0, count: outCount)
        // ReduceLogSumExp subtracts each group's maximum before exponentiating.
        var shift = [Double](repeating: kind == .logSumExp ? -.infinity : 0, count: outCount)
        x.withElements(T.self) { px in
            acc.withUnsafeMutableBufferPointer { pa in
                let a = pa.baseAddress!
                switch kind {
                case .sum, .mean, .logSum: reduceRows(plan.iteration, px, a) { s, v, _ in s + v.doubleValue }
                case .sumSquare, .l2: reduceRows(plan.iteration, px, a) { s, v, _ in let d = v.doubleValue; return s + d * d }
                case .l1: reduceRows(plan.iteration, px, a) { s, v, _ in s + Swift.abs(v.doubleValue) }
                case .prod: reduceRows(plan.iteration, px, a) { s, v, _ in s * v.doubleValue }
                case .logSumExp:
                    shift.withUnsafeMutableBufferPointer { ps in
                        let m = ps.baseAddress!
                        reduceRows(plan.iteration, px, m) { s, v, _ in Swift.max(s, v.doubleValue) }
                        for i in 0..<outCount where !m[i].isFinite { m[i] = 0 }
                        reduceRows(plan.iteration, px, a) { s, v, o in s + Foundation.exp(v.doubleValue - m[o]) }
                    }
                case .max, .min: break
                }
            }
        }
        let g = Double(plan.groupSize)
        var y = ctx.allocate(plan.outShape, T.dtype, zeroed: false)
        y.withMutableElements(T.self) { po in
            for i in 0..<outCount {
                let s = acc[i]
                let v: Double
                switch kind {
                case .mean: v = s / g
                case .l2: v = s.squareRoot()
                case .logSum: v = Foundation.log(s)
                case .logSumExp: v = Foundation.log(s) + shift[i]
                default: v = s
                }
                po[i] = T(fromDouble: v)
            }
        }
        return y
    }
    func floating<T: BinaryFloatingPoint & TensorElement>(_: T.Type) throws -> Tensor { run(T.self) }
    func integer<T: FixedWidthInteger & TensorElement>(_: T.Type) throws -> Tensor { run(T.self) }
}

// MARK: ArgMax, ArgMin

/// Index (int64) of the first maximum/minimum along `axis`, or the last with
/// `select_last_index`.
private func argExtremum(max isMax: Bool, _ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let x = try inputs.required(0)
    let rank = x.rank
    let attr = ctx.node.int("axis", default: 0)
    guard attr >= -rank && attr < rank else {
        throw RuntimeError.invalid("\(ctx.node.opType): axis \(attr) is out of range for rank \(rank) (allowed \(-rank)...\(rank - 1))")
    }
    let axis = attr < 0 ? attr + rank : attr
    let n = x.shape[axis]
    guard n > 0 else { throw RuntimeError.invalid("\(ctx.node.opType): axis \(axis) has size 0, there is no extremum") }
    var outShape = x.shape
    if ctx.node.int("keepdims", default: 1) != 0 { outShape[axis] = 1 } else { outShape.remove(at: axis) }
    let outer = x.shape[..<axis].reduce(1, *), inner = x.shape[(axis + 1)...].reduce(1, *)
    let last = ctx.node.int("select_last_index", default: 0) != 0
    return try viaFloat32([x]) { t in
        let v = ArgExtremum(x: t[0], outer: outer, n: n, inner: inner, outShape: outShape, isMax: isMax, last: last, ctx: ctx)
        return try t[0].dtype.visit(v, op: ctx.node.opType)
    }
}

private struct ArgExtremum: NumericVisitor {
    let x: Tensor, outer: Int, n: Int, inner: Int, outShape: [Int], isMax: Bool, last: Bool, ctx: KernelContext

    /// Scans a block row at a time (vectors of length `inner`), writing indices straight into
    /// the output block.
    private func run<T: TensorElement & Comparable>(_: T.Type, _ better: (T, T) -> Bool) -> Tensor {
        var y = ctx.allocate(outShape, .int64, zeroed: false)
        let best = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(inner, 1))
        defer { best.deallocate() }
        x.withElements(T.self) { px in
            y.withMutableElements(Int64.self) { py in
                for o in 0..<outer {
                    let block = px + o * n * inner, idx = py + o * inner
                    for i in 0..<inner { best[i] = block[i]; idx[i] = 0 }
                    for k in 1..<n {
                        let row = block + k * inner
                        for i in 0..<inner where better(row[i], best[i]) {
                            best[i] = row[i]
                            idx[i] = Int64(k)
                        }
                    }
                }
            }
        }
        return y
    }
    private func run<T: TensorElement & Comparable>(_: T.Type) -> Tensor {
        switch (isMax, last) {
        case (true, false): return run(T.self) { $0 > $1 }
        case (true, true): return run(T.self) { $0 >= $1 }
        case (false, false): return run(T.self) { $0 < $1 }
        case (false, true): return run(T.self) { $0 <= $1 }
        }
    }
    func floating<T: BinaryFloatingPoint & TensorElement>(_: T.Type) throws -> Tensor { run(T.self) }
    func integer<T: FixedWidthInteger & TensorElement>(_: T.Type) throws -> Tensor { run(T.self) }
}

// MARK: gradients

/// The input gradient of a Reduce*: every element gets its group's output gradient times the
/// local derivative. ReduceMax/ReduceMin send it to the group's first extremum (row-major,
/// as ArgMax/ArgMin pick); ties after it get none. The axes input gets none.
private func reduceGradient(_ kind: ReduceKind, _ c: VJPContext) throws -> Tensor? {
    guard c.needs(0), let x = c.inputs[0], x.dtype.isFloatingPoint else { return nil }
    let g = try c.outputGrad(0)
    guard let plan = try reducePlan(x, c.inputs, c.kernelContext) else { return g }
    let y = try c.forwardOutput(0)
    return try ReduceGradient(plan: plan, kind: kind).run([x, y, g], as: x.dtype)
}

private struct ReduceGradient: FloatComputation {
    let plan: ReducePlan, kind: ReduceKind

    func compute<T: FloatMath>(_ ts: [Tensor], _: T.Type) throws -> Tensor {
        let (x, y, g) = (ts[0], ts[1], ts[2])
        var out = Tensor(zeros: x.shape, dtype: T.dtype)
        x.withElements(T.self) { px in
            y.withElements(T.self) { py in
                g.withElements(T.self) { pg in
                    out.withMutableElements(T.self) { po in
                        let it = plan.iteration
                        switch kind {
                        case .sum: backRows(it, px, po) { _, o in pg[o] }
                        case .mean:
                            let scale = 1 / T(plan.groupSize)
                            backRows(it, px, po) { _, o in pg[o] * scale }
                        case .sumSquare: backRows(it, px, po) { v, o in 2 * v * pg[o] }
                        case .l2: backRows(it, px, po) { v, o in py[o] == 0 ? 0 : v / py[o] * pg[o] }
                        case .l1: backRows(it, px, po) { v, o in v > 0 ? pg[o] : (v < 0 ? -pg[o] : 0) }
                        case .logSum: backRows(it, px, po) { _, o in pg[o] / T.exponential(py[o]) }
                        case .logSumExp: backRows(it, px, po) { v, o in pg[o] * T.exponential(v - py[o]) }
                        case .prod: productGradient(px, pg, po, outCount: y.count)
                        case .max, .min: firstExtremumGradient(px, py, pg, po, outCount: y.count)
                        }
                    }
                }
            }
        }
        return out
    }

    /// d/dx_i Π x = Π_{j≠i} x_j, from each group's zero count and product of non-zeros (no
    /// division by zero).
    private func productGradient<T: FloatMath>(_ px: UnsafePointer<T>, _ pg: UnsafePointer<T>, _ po: UnsafeMutablePointer<T>,
                                               outCount: Int) {
        var zeros = [Int](repeating: 0, count: outCount)
        var rest = [T](repeating: 1, count: outCount)
        zeros.withUnsafeMutableBufferPointer { z in
            rest.withUnsafeMutableBufferPointer { p in
                let it = plan.iteration
                let n = it.rowLength, so = it.rowStride(0)
                it.forEachRow { dense, off in
                    for j in 0..<n {
                        let v = px[dense + j], o = off[0] + j * so
                        if v == 0 { z[o] += 1 } else { p[o] *= v }
                    }
                }
                backRows(it, px, po) { v, o in
                    z[o] == 0 ? pg[o] * p[o] / v : (z[o] == 1 && v == 0 ? pg[o] * p[o] : 0)
                }
            }
        }
    }

    private func firstExtremumGradient<T: FloatMath>(_ px: UnsafePointer<T>, _ py: UnsafePointer<T>, _ pg: UnsafePointer<T>,
                                                     _ po: UnsafeMutablePointer<T>, outCount: Int) {
        var taken = [Bool](repeating: false, count: outCount)
        taken.withUnsafeMutableBufferPointer { t in
            let it = plan.iteration
            let n = it.rowLength, so = it.rowStride(0)
            it.forEachRow { dense, off in
                for j in 0..<n {
                    let v = px[dense + j], o = off[0] + j * so
                    if !t[o] && (v == py[o] || (v.isNaN && py[o].isNaN)) {
                        po[dense + j] = pg[o]
                        t[o] = true
                    }
                }
            }
        }
    }
}

/// `dx[i] = f(x[i], o)` for every input element i and its output element o.
@inline(__always)
private func backRows<T>(_ plan: Broadcast, _ x: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>, _ f: (T, Int) -> T) {
    let n = plan.rowLength
    let so = plan.rowStride(0)
    plan.forEachRow { dense, off in
        let o = off[0]
        for j in 0..<n { dx[dense + j] = f(x[dense + j], o + j * so) }
    }
}
