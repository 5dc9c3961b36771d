import Foundation

/// Einsum (opset 12+) with explicit ("ij,jk->ik") or implicit ("ij,jk") output, ellipsis
/// broadcasting and repeated labels (diagonals). Each operand first has its diagonals taken
/// and the labels no one else needs summed out; operands are then contracted left to right,
/// each pair by transposing both into [batch, free, contracted] order and running one
/// matrix product per batch (BLAS for float32/float64, plain loops with wrapping arithmetic
/// for integers; float16/bfloat16 computed in float32).
func registerEinsumOps(into r: OpRegistry) {
    r.register("Einsum", since: 12) { inputs, ctx in
        guard let text = ctx.node.string("equation") else { throw RuntimeError.invalid("Einsum needs the 'equation' attribute") }
        let operands = try inputs.indices.map { try inputs.required($0, "operand") }
        guard let first = operands.first else { throw RuntimeError.invalid("Einsum needs at least one input") }
        guard operands.allSatisfy({ $0.dtype == first.dtype }) else {
            throw RuntimeError.dtype("Einsum inputs must share one element type, got \(operands.map(\.dtype.description).joined(separator: ", "))")
        }
        let eq = try EinsumEquation(text, ranks: operands.map(\.rank))
        switch first.dtype {
        case .float32: return [try einsum(Float.self, operands, eq, ctx)]
        case .float64: return [try einsum(Double.self, operands, eq, ctx)]
        case .float16, .bfloat16:
            return [try einsum(Float.self, operands.map { $0.converted(to: .float32) }, eq, ctx).converted(to: first.dtype)]
        case .int8: return [try einsum(Int8.self, operands, eq, ctx)]
        case .int16: return [try einsum(Int16.self, operands, eq, ctx)]
        case .int32: return [try einsum(Int32.self, operands, eq, ctx)]
        case .int64: return [try einsum(Int64.self, operands, eq, ctx)]
        case .uint8: return [try einsum(UInt8.self, operands, eq, ctx)]
        case .uint16: return [try einsum(UInt16.self, operands, eq, ctx)]
        case .uint32: return [try einsum(UInt32.self, operands, eq, ctx)]
        case .uint64: return [try einsum(UInt64.self, operands, eq, ctx)]
        default: throw RuntimeError.dtype("Einsum does not support element type \(first.dtype)")
        }
    }
    r.registerVJP("Einsum", EinsumGradients.rule)
}

// MARK: equation

/// A parsed equation. Labels are a letter's ASCII code, or 128 + j for the j-th broadcast
/// (ellipsis) axis; ellipsis axes are right-aligned across operands as in numpy.
struct EinsumEquation {
    /// One label per axis of each input.
    let inputs: [[Int]]
    let output: [Int]

    init(inputs: [[Int]], output: [Int]) {
        self.inputs = inputs
        self.output = output
    }

    init(_ text: String, ranks: [Int]) throws {
        let eq = text.filter { !$0.isWhitespace }
        let sides = eq.components(separatedBy: "->")
        guard sides.count <= 2 else { throw RuntimeError.invalid("Einsum equation '\(text)' has more than one '->'") }
        let terms = sides[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard terms.count == ranks.count else {
            throw RuntimeError.invalid("Einsum equation '\(text)' has \(terms.count) input terms for \(ranks.count) inputs")
        }
        let parsed = try terms.map { try EinsumEquation.term($0, in: text) }
        var ellipsisRank = 0
        for (i, p) in parsed.enumerated() {
            let extra = ranks[i] - p.letters.count
            guard p.ellipsis == nil ? extra == 0 : extra >= 0 else {
                throw RuntimeError.invalid("Einsum term '\(terms[i])' has \(p.letters.count) labels\(p.ellipsis == nil ? "" : " and '...'") for input \(i) of rank \(ranks[i])")
            }
            ellipsisRank = max(ellipsisRank, extra)
        }
        let broadcast = (0..<ellipsisRank).map { 128 + $0 }
        inputs = parsed.enumerated().map { i, p in
            guard let at = p.ellipsis else { return p.letters }
            return Array(p.letters[..<at]) + broadcast.suffix(ranks[i] - p.letters.count) + Array(p.letters[at...])
        }
        if sides.count == 2 {
            let p = try EinsumEquation.term(sides[1], in: text)
            let out = p.ellipsis.map { Array(p.letters[..<$0]) + broadcast + Array(p.letters[$0...]) } ?? p.letters
            let known = Set(inputs.joined())
            for (i, l) in out.enumerated() {
                guard known.contains(l) else { throw RuntimeError.invalid("Einsum output label '\(EinsumEquation.name(l))' of '\(text)' is in no input") }
                guard !out[..<i].contains(l) else { throw RuntimeError.invalid("Einsum output label '\(EinsumEquation.name(l))' of '\(text)' is repeated") }
            }
            output = out
        } else {
            // Implicit output: the broadcast axes, then the letters used once, in ASCII order (numpy's).
            var uses: [Int: Int] = [:]
            for l in inputs.joined() where l < 128 { uses[l, default: 0] += 1 }
            output = broadcast + uses.filter { $0.value == 1 }.keys.sorted()
        }
    }

    /// A term's letters and where its ellipsis (if any) sits among them.
    private static func term(_ s: String, in text: String) throws -> (letters: [Int], ellipsis: Int?) {
        let chars = Array(s.utf8)
        var letters: [Int] = [], ellipsis: Int? = nil
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == UInt8(ascii: ".") {
                guard ellipsis == nil, i + 2 < chars.count, chars[i + 1] == c, chars[i + 2] == c else {
                    throw RuntimeError.invalid("Einsum equation '\(text)': '.' must come as a single '...' per term")
                }
                ellipsis = letters.count
                i += 3
                continue
            }
            guard (c >= 65 && c <= 90) || (c >= 97 && c <= 122) else {
                throw RuntimeError.invalid("Einsum equation '\(text)': '\(Character(UnicodeScalar(c)))' is not a letter, ',', '->' or '...'")
            }
            letters.append(Int(c))
            i += 1
        }
        return (letters, ellipsis)
    }

    static func name(_ label: Int) -> String {
        label < 128 ? String(Character(UnicodeScalar(UInt8(label)))) : "...#\(label - 128)"
    }
}

// MARK: evaluation

/// A tensor whose axes carry labels (distinct once diagonals are taken).
private struct Term {
    var tensor: Tensor
    var labels: [Int]

    func size(_ label: Int) -> Int { labels.firstIndex(of: label).map { tensor.shape[$0] } ?? 1 }
    func sizes(_ ls: [Int]) -> [Int] { ls.map(size) }

    /// Removes a size-1 axis (a label broadcast against a larger one elsewhere).
    func dropping(_ label: Int) -> Term {
        guard let i = labels.firstIndex(of: label) else { return self }
        var shape = tensor.shape, ls = labels
        shape.remove(at: i)
        ls.remove(at: i)
        return Term(tensor: tensor.reshaped(shape), labels: ls)
    }
}

func einsum<T: EinsumElement>(_: T.Type, _ operands: [Tensor], _ eq: EinsumEquation, _ ctx: KernelContext) throws -> Tensor {
    try checkLabelSizes(operands, eq)
    let output = Set(eq.output)
    var terms: [Term] = []
    for (i, t) in operands.enumerated() {
        let term = try diagonal(Term(tensor: t, labels: eq.inputs[i]), ctx)
        let elsewhere = Set(eq.inputs.enumerated().filter { $0.offset != i }.flatMap(\.element)).union(output)
        terms.append(try summed(T.self, term, over: term.labels.filter { !elsewhere.contains($0) }, ctx))
    }
    var acc = terms[0]
    for i in 1..<max(terms.count, 1) {
        let keep = output.union(terms[(i + 1)...].flatMap(\.labels))
        acc = try contracted(T.self, acc, terms[i], keep: keep, ctx)
    }
    acc = try summed(T.self, acc, over: acc.labels.filter { !output.contains($0) }, ctx)
    return try permuted(acc, to: eq.output, ctx).tensor
}

/// Every label has one size, except that size 1 broadcasts against any other.
private func checkLabelSizes(_ operands: [Tensor], _ eq: EinsumEquation) throws {
    var size: [Int: Int] = [:]
    for (t, labels) in zip(operands, eq.inputs) {
        for (axis, l) in labels.enumerated() {
            let d = t.shape[axis], s = size[l] ?? d
            guard s == d || s == 1 || d == 1 else {
                throw RuntimeError.invalid("Einsum label '\(EinsumEquation.name(l))' has sizes \(s) and \(d) (input shapes \(operands.map(\.shape)))")
            }
            size[l] = s == 1 ? d : s
        }
    }
}

/// Takes the diagonal over every repeated label: one axis whose stride is the sum of theirs.
private func diagonal(_ t: Term, _ ctx: KernelContext) throws -> Term {
    let st = Tensor.strides(of: t.tensor.shape)
    var labels: [Int] = [], shape: [Int] = [], strides: [Int] = []
    for (axis, l) in t.labels.enumerated() {
        if let j = labels.firstIndex(of: l) {
            guard shape[j] == t.tensor.shape[axis] else {
                throw RuntimeError.invalid("Einsum label '\(EinsumEquation.name(l))' repeats in one input with sizes \(shape[j]) and \(t.tensor.shape[axis])")
            }
            strides[j] += st[axis]
        } else {
            labels.append(l)
            shape.append(t.tensor.shape[axis])
            strides.append(st[axis])
        }
    }
    if labels.count == t.labels.count { return t }
    return Term(tensor: try DataMovement.materialize(t.tensor, viewShape: shape, viewStrides: strides, ctx), labels: labels)
}

/// `t` with its axes in `order` (a permutation of its labels).
private func permuted(_ t: Term, to order: [Int], _ ctx: KernelContext) throws -> Term {
    if order == t.labels { return t }
    let perm = order.compactMap { t.labels.firstIndex(of: $0) }
    guard order.count == t.labels.count, perm.count == order.count else {
        throw RuntimeError.invalid("Einsum: labels \(order.map(EinsumEquation.name)) do not permute \(t.labels.map(EinsumEquation.name))")
    }
    return Term(tensor: try DataMovement.transpose(t.tensor, perm: perm, ctx), labels: order)
}

/// `t` summed over the axes labelled `drop`.
private func summed<T: EinsumElement>(_: T.Type, _ t: Term, over drop: [Int], _ ctx: KernelContext) throws -> Term {
    if drop.isEmpty { return t }
    let kept = t.labels.filter { !drop.contains($0) }
    let keptShape = t.sizes(kept)
    let rows = keptShape.reduce(1, *), length = t.sizes(drop).reduce(1, *)
    var out = ctx.allocate(keptShape, t.tensor.dtype, zeroed: false)
    // Summed axes leading: add whole rows; otherwise move them last and sum each row.
    let leading = t.labels == drop + kept
    let src = leading ? t : try permuted(t, to: kept + drop, ctx)
    src.tensor.withElements(T.self) { s in
        out.withMutableElements(T.self) { d in
            if leading { T.sumAxis(s, outer: 1, n: length, inner: rows, d) } else { T.sumAxis(s, outer: rows, n: length, inner: 1, d) }
        }
    }
    return Term(tensor: out, labels: kept)
}

/// The product of two terms summed over their shared labels that are not in `keep`.
private func contracted<T: EinsumElement>(_: T.Type, _ a0: Term, _ b0: Term, keep: Set<Int>, _ ctx: KernelContext) throws -> Term {
    var a = a0, b = b0
    for l in a.labels where b.labels.contains(l) && a.size(l) != b.size(l) {
        if a.size(l) == 1 { a = a.dropping(l) } else { b = b.dropping(l) }
    }
    a = try summed(T.self, a, over: a.labels.filter { !keep.contains($0) && !b.labels.contains($0) }, ctx)
    b = try summed(T.self, b, over: b.labels.filter { !keep.contains($0) && !a.labels.contains($0) }, ctx)
    let batch = a.labels.filter { b.labels.contains($0) && keep.contains($0) }
    let inner = a.labels.filter { b.labels.contains($0) && !keep.contains($0) }
    let aFree = a.labels.filter { !b.labels.contains($0) }
    let bFree = b.labels.filter { !a.labels.contains($0) }
    a = try permuted(a, to: batch + aFree + inner, ctx)
    b = try permuted(b, to: batch + inner + bFree, ctx)
    let batchShape = a.sizes(batch), mShape = a.sizes(aFree), nShape = b.sizes(bFree)
    let (nb, m, k, n) = (batchShape.reduce(1, *), mShape.reduce(1, *), a.sizes(inner).reduce(1, *), nShape.reduce(1, *))
    var out = ctx.allocate(batchShape + mShape + nShape, a.tensor.dtype, zeroed: false)
    try a.tensor.withElements(T.self) { pa in
        try b.tensor.withElements(T.self) { pb in
            try out.withMutableElements(T.self) { pc in try T.batchedProduct(batch: nb, m: m, k: k, n: n, pa, pb, pc) }
        }
    }
    return Term(tensor: out, labels: batch + aFree + bFree)
}

// MARK: arithmetic

/// The two element-type-specific steps of Einsum.
protocol EinsumElement: TensorElement {
    /// d[o, i] = Σ_j s[o, j, i] over an [outer, n, inner] source.
    static func sumAxis(_ s: UnsafePointer<Self>, outer: Int, n: Int, inner: Int, _ d: UnsafeMutablePointer<Self>)
    /// c[p] = a[p] · b[p] for `batch` row-major m×k and k×n matrices.
    static func batchedProduct(batch: Int, m: Int, k: Int, n: Int, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>,
                               _ c: UnsafeMutablePointer<Self>) throws
}

extension EinsumElement where Self: BLASFloat {
    static func sumAxis(_ s: UnsafePointer<Self>, outer: Int, n: Int, inner: Int, _ d: UnsafeMutablePointer<Self>) {
        for o in 0..<outer {
            let dst = d + o * inner
            dst.update(repeating: 0, count: inner)
            for j in 0..<n {
                let row = s + (o * n + j) * inner
                for i in 0..<inner { dst[i] += row[i] }
            }
        }
    }
    static func batchedProduct(batch: Int, m: Int, k: Int, n: Int, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>,
                               _ c: UnsafeMutablePointer<Self>) throws {
        for p in 0..<batch { try gemm(m: m, n: n, k: k, a: a + p * m * k, b: b + p * k * n, c: c + p * m * n) }
    }
}

// Integer arithmetic wraps, like the other integer kernels.
extension EinsumElement where Self: FixedWidthInteger {
    static func sumAxis(_ s: UnsafePointer<Self>, outer: Int, n: Int, inner: Int, _ d: UnsafeMutablePointer<Self>) {
        for o in 0..<outer {
            let dst = d + o * inner
            dst.update(repeating: 0, count: inner)
            for j in 0..<n {
                let row = s + (o * n + j) * inner
                for i in 0..<inner { dst[i] &+= row[i] }
            }
        }
    }
    static func batchedProduct(batch: Int, m: Int, k: Int, n: Int, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>,
                               _ c: UnsafeMutablePointer<Self>) throws {
        c.update(repeating: 0, count: batch * m * n)
        for p in 0..<batch {
            let ap = a + p * m * k, bp = b + p * k * n, cp = c + p * m * n
            for i in 0..<m {
                for q in 0..<k {
                    let av = ap[i * k + q], brow = bp + q * n, crow = cp + i * n
                    for j in 0..<n { crow[j] &+= av &* brow[j] }
                }
            }
        }
    }
}

extension Float: EinsumElement {}
extension Double: EinsumElement {}
extension Int8: EinsumElement {}
extension Int16: EinsumElement {}
extension Int32: EinsumElement {}
extension Int64: EinsumElement {}
extension UInt8: EinsumElement {}
extension UInt16: EinsumElement {}
extension UInt32: EinsumElement {}
extension UInt64: EinsumElement {}
