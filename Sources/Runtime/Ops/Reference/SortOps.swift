import Foundation

/// TopK and Unique: ops that order elements by value. Orderings are total: NaN sorts above
/// every number and equal values (or slices) keep their input order, so results are
/// deterministic (TopK ties go to the lower index).
func registerSortOps(into r: OpRegistry) {
    r.register("TopK") { inputs, ctx in try topK(inputs, ctx) }
    r.register("Unique", since: 11) { inputs, ctx in try unique(inputs, ctx) }
    r.markNonDifferentiable(["Unique"], because: "its outputs are the distinct values and integer indices: perturbing a repeated value changes which values are distinct and the output shapes")
    // TopK's values gradient goes back to the positions its indices output names.
    r.registerVJP("TopK") { c in
        guard c.needs(0), let x = c.inputs[0], x.dtype.isFloatingPoint, c.outputs.count > 1, let indices = c.outputs[1] else {
            return [nil, nil]
        }
        let axis = try DataMovement.axis(c.node.int("axis", default: -1), rank: x.rank)
        let scatter = TopKGradient(shape: x.shape, axis: axis, indices: indices.ints)
        return [try scatter.run([try c.outputGrad(0)], as: x.dtype), nil]
    }
}

/// a > b with NaN above every number (for integers `a != a` is never true).
@inline(__always) private func above<T: Comparable>(_ a: T, _ b: T) -> Bool { a > b || (a != a && b == b) }

/// Runs a visitor on `x`, with bfloat16 widened to float32 (outputs of x's type are narrowed
/// back by the caller) and bool read as uint8.
private func visitOrdered<V: NumericVisitor>(_ x: Tensor, _ make: (Tensor) -> V, op: String) throws -> V.Result {
    switch x.dtype {
    case .bfloat16: return try DType.float32.visit(make(x.converted(to: .float32)), op: op)
    case .bool: return try make(x).integer(UInt8.self)
    default: return try x.dtype.visit(make(x), op: op)
    }
}

// MARK: TopK

/// The k largest (or smallest) elements along `axis` and their int64 indices. k is an
/// attribute before opset 10 and a one-element input from then on. Results are always sorted
/// (`sorted = 0` leaves the order unspecified, so sorted is a valid answer).
private func topK(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> [Tensor] {
    let x = try inputs.required(0)
    let k: Int
    if ctx.opset < 10 {
        guard let a = ctx.node.int("k") else { throw RuntimeError.invalid("TopK (opset < 10) needs the 'k' attribute") }
        k = a
    } else {
        k = try DataMovement.scalarInt(inputs.required(1, "K input"), "TopK K")
    }
    guard x.rank > 0 else { throw RuntimeError.invalid("TopK needs an input of rank >= 1, got a scalar") }
    let axis = try DataMovement.axis(ctx.node.int("axis", default: -1), rank: x.rank)
    let n = x.shape[axis]
    guard k >= 0 && k <= n else {
        throw RuntimeError.invalid("TopK: k = \(k) must be in [0, \(n)] (the size of axis \(axis) of \(x.shape))")
    }
    var outShape = x.shape
    outShape[axis] = k
    let plan = TopK(x: x, outer: x.shape[..<axis].reduce(1, *), n: n, inner: x.shape[(axis + 1)...].reduce(1, *), k: k,
                    largest: ctx.node.int("largest", default: 1) != 0, outShape: outShape, ctx: ctx)
    var (values, indices) = try visitOrdered(x, plan.on, op: "TopK")
    if values.dtype != x.dtype { values = values.converted(to: x.dtype) }
    return [values, indices]
}

private struct TopK: NumericVisitor {
    let x: Tensor, outer: Int, n: Int, inner: Int, k: Int, largest: Bool, outShape: [Int], ctx: KernelContext

    func on(_ t: Tensor) -> TopK { TopK(x: t, outer: outer, n: n, inner: inner, k: k, largest: largest, outShape: outShape, ctx: ctx) }

    func floating<T: BinaryFloatingPoint & TensorElement>(_: T.Type) throws -> (Tensor, Tensor) { run(T.self) }
    func integer<T: FixedWidthInteger & TensorElement>(_: T.Type) throws -> (Tensor, Tensor) { run(T.self) }

    private func run<T: TensorElement & Comparable>(_: T.Type) -> (Tensor, Tensor) {
        var values = ctx.allocate(outShape, x.dtype, zeroed: false)
        var indices = ctx.allocate(outShape, .int64, zeroed: false)
        var line = [T](repeating: T(fromDouble: 0), count: n)
        var order = [Int](repeating: 0, count: n)
        let largest = largest
        x.withElements(T.self) { px in
            values.withMutableElements(T.self) { pv in
                indices.withMutableElements(Int64.self) { pi in
                    for o in 0..<outer {
                        for i in 0..<inner {
                            let src = px + o * n * inner + i
                            for j in 0..<n { line[j] = src[j * inner]; order[j] = j }
                            line.withUnsafeBufferPointer { v in
                                if largest {
                                    order.sort { above(v[$0], v[$1]) || (!above(v[$1], v[$0]) && $0 < $1) }
                                } else {
                                    order.sort { above(v[$1], v[$0]) || (!above(v[$0], v[$1]) && $0 < $1) }
                                }
                            }
                            let base = o * k * inner + i
                            for j in 0..<k {
                                pv[base + j * inner] = line[order[j]]
                                pi[base + j * inner] = Int64(order[j])
                            }
                        }
                    }
                }
            }
        }
        return (values, indices)
    }
}

// MARK: Unique

/// Unique elements (no axis: of the flattened input) or unique slices along `axis`, sorted
/// ascending (slices lexicographically) or in order of first occurrence, with the int64
/// outputs indices (first occurrence of each), inverse_indices (for every input element or
/// slice, its position in Y) and counts.
private func unique(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> [Tensor] {
    let x = try inputs.required(0)
    let es = try DataMovement.elementSize(x)
    let flat: Bool, outer: Int, n: Int, inner: Int, axis: Int
    if let a = ctx.node.int("axis") {
        axis = try DataMovement.axis(a, rank: x.rank)
        (flat, outer, n, inner) = (false, x.shape[..<axis].reduce(1, *), x.shape[axis], x.shape[(axis + 1)...].reduce(1, *))
    } else {
        (flat, axis, outer, n, inner) = (true, 0, 1, x.count, 1)
    }
    let groups = try visitOrdered(x, { UniqueGroups(x: $0, outer: outer, n: n, inner: inner) }, op: "Unique")
    // Groups come out in ascending order; unsorted output lists them by first occurrence.
    let order = ctx.node.int("sorted", default: 1) != 0
        ? Array(groups.indices) : groups.indices.sorted { groups[$0].first < groups[$1].first }
    let u = order.count
    var yShape = flat ? [u] : x.shape
    if !flat { yShape[axis] = u }
    var y = ctx.allocate(yShape, x.dtype, zeroed: false)
    var indices = ctx.allocate([u], .int64, zeroed: false)
    var inverse = ctx.allocate([n], .int64, zeroed: false)
    var counts = ctx.allocate([u], .int64, zeroed: false)
    let row = inner * es
    x.withUnsafeBytes { src in
        y.withUnsafeMutableBytes { dst in
            guard let s = src.baseAddress, let d = dst.baseAddress else { return }
            for o in 0..<outer {
                for (p, g) in order.enumerated() {
                    (d + (o * u + p) * row).copyMemory(from: s + (o * n + groups[g].first) * row, byteCount: row)
                }
            }
        }
    }
    indices.withMutableElements(Int64.self) { pi in
        counts.withMutableElements(Int64.self) { pc in
            inverse.withMutableElements(Int64.self) { pv in
                for (p, g) in order.enumerated() {
                    pi[p] = Int64(groups[g].first)
                    pc[p] = Int64(groups[g].members.count)
                    for m in groups[g].members { pv[m] = Int64(p) }
                }
            }
        }
    }
    return [y, indices, inverse, counts]
}

/// One distinct slice: where it first occurs and every index holding it.
private struct UniqueGroup {
    let first: Int
    var members: [Int]
}

/// Groups the n slices x[:, s, :] of an [outer, n, inner] view by equality, in ascending
/// lexicographic order (each slice read in row-major order).
private struct UniqueGroups: NumericVisitor {
    let x: Tensor, outer: Int, n: Int, inner: Int

    func floating<T: BinaryFloatingPoint & TensorElement>(_: T.Type) throws -> [UniqueGroup] { run(T.self) }
    func integer<T: FixedWidthInteger & TensorElement>(_: T.Type) throws -> [UniqueGroup] { run(T.self) }

    private func run<T: TensorElement & Comparable>(_: T.Type) -> [UniqueGroup] {
        let (n, inner, stride) = (n, inner, n * inner)
        let outer = outer
        return x.withElements(T.self) { p in
            /// -1, 0, 1 as slice a orders before, with, after slice b.
            func compare(_ a: Int, _ b: Int) -> Int {
                for o in 0..<outer {
                    let ra = p + o * stride + a * inner, rb = p + o * stride + b * inner
                    for i in 0..<inner {
                        if above(ra[i], rb[i]) { return 1 }
                        if above(rb[i], ra[i]) { return -1 }
                    }
                }
                return 0
            }
            let sorted = (0..<n).sorted { a, b in
                let c = compare(a, b)
                return c < 0 || (c == 0 && a < b)
            }
            var groups: [UniqueGroup] = []
            for s in sorted {
                if let last = groups.last, compare(last.first, s) == 0 {
                    groups[groups.count - 1].members.append(s)
                } else {
                    groups.append(UniqueGroup(first: s, members: [s]))
                }
            }
            return groups
        }
    }
}

/// Zeros of `shape` with out[o, indices[o, j, i], i] = g[o, j, i] over [outer, n, inner]
/// views (TopK's indices are distinct within a row, so nothing adds up).
private struct TopKGradient: FloatComputation {
    let shape: [Int], axis: Int, indices: [Int]
    func compute<T: FloatMath>(_ ts: [Tensor], _: T.Type) throws -> Tensor {
        let g = ts[0]
        let outer = shape[..<axis].reduce(1, *), n = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
        let k = g.shape[axis]
        guard g.count == indices.count, indices.allSatisfy({ $0 >= 0 && $0 < n }) else {
            throw RuntimeError.invalid("TopK gradient: indices do not address axis \(axis) of \(shape)")
        }
        var out = Tensor(zeros: shape, dtype: T.dtype)
        g.withElements(T.self) { pg in
            out.withMutableElements(T.self) { po in
                for o in 0..<outer {
                    for j in 0..<k {
                        let row = (o * k + j) * inner
                        for i in 0..<inner { po[(o * n + indices[row + i]) * inner + i] = pg[row + i] }
                    }
                }
            }
        }
        return out
    }
}
