/// Numpy multidirectional broadcasting of several operand shapes: the result shape, each
/// operand's element strides in that shape (0 along dimensions it is broadcast in), and an
/// iteration over the result in contiguous innermost rows.
///
/// For iteration, size-1 dimensions are dropped and adjacent dimensions that are contiguous
/// for every operand are merged. Same-shape operands thereby become one long row with unit
/// strides and a scalar operand a row with stride 0, so those common cases run as single
/// flat loops with no odometer work.
public struct Broadcast {
    /// The broadcast (iteration) shape.
    public let shape: [Int]
    /// Per operand: element strides aligned with `shape`, 0 where the operand is broadcast.
    public let strides: [[Int]]
    public let count: Int
    /// Length of the innermost row that `forEachRow` hands out.
    public let rowLength: Int
    /// Merged iteration dimensions, outermost first (at least one).
    private let loopDims: [Int]
    /// `loopStrides[d * operands + k]`: operand k's stride along loop dimension d.
    private let loopStrides: [Int]
    private let operands: Int

    /// Broadcasts operand shapes against each other (numpy rules, right-aligned).
    public init(_ shapes: [[Int]]) throws {
        let out = try Broadcast.shape(shapes)
        self.init(iterating: out, strides: shapes.map { Broadcast.strides(of: $0, in: out) })
    }

    /// Iterates `shape` with explicit per-operand strides (e.g. a reduction's output, with
    /// stride 0 along reduced axes). Each stride list must have `shape.count` entries.
    public init(iterating shape: [Int], strides: [[Int]]) {
        self.shape = shape
        self.strides = strides
        operands = strides.count
        count = shape.reduce(1, *)
        var dims: [Int] = []
        var st: [Int] = []
        for d in 0..<shape.count where shape[d] != 1 {
            let k = operands
            let last = dims.count - 1
            if last >= 0, (0..<k).allSatisfy({ st[last * k + $0] == strides[$0][d] * shape[d] }) {
                dims[last] *= shape[d]
                for j in 0..<k { st[last * k + j] = strides[j][d] }
            } else {
                dims.append(shape[d])
                for j in 0..<k { st.append(strides[j][d]) }
            }
        }
        if dims.isEmpty {
            dims = [1]
            st = [Int](repeating: 0, count: operands)
        }
        loopDims = dims
        loopStrides = st
        rowLength = dims[dims.count - 1]
    }

    /// The numpy broadcast of `shapes`, or an error naming the first incompatible dimension.
    public static func shape(_ shapes: [[Int]]) throws -> [Int] {
        let rank = shapes.map(\.count).max() ?? 0
        var out = [Int](repeating: 1, count: rank)
        for s in shapes {
            let lead = rank - s.count
            for (i, d) in s.enumerated() {
                let o = out[lead + i]
                if d == o || d == 1 { continue }
                if o == 1 { out[lead + i] = d; continue }
                let listed = shapes.map { "\($0)" }.joined(separator: ", ")
                throw RuntimeError.invalid("shapes \(listed) cannot be broadcast: dimension \(lead + i) (from the right: \(rank - lead - i)) is \(o) in one and \(d) in another")
            }
        }
        return out
    }

    /// Row-major strides of `operand` placed right-aligned in `target`, 0 where it broadcasts.
    public static func strides(of operand: [Int], in target: [Int]) -> [Int] {
        var st = [Int](repeating: 0, count: target.count)
        var acc = 1
        let lead = target.count - operand.count
        for i in stride(from: operand.count - 1, through: 0, by: -1) {
            if operand[i] != 1 { st[lead + i] = acc }
            acc *= operand[i]
        }
        return st
    }

    /// Operand k's element stride within a row (0 or 1 for numpy broadcasts).
    @inline(__always) public func rowStride(_ k: Int) -> Int {
        loopStrides[(loopDims.count - 1) * operands + k]
    }

    /// Calls `body` once per innermost row, in row-major order of `shape`, with the row's
    /// offset in a dense array of `shape` and every operand's offset (indexed by operand).
    @inline(__always)
    public func forEachRow(_ body: (_ dense: Int, _ offsets: UnsafePointer<Int>) -> Void) {
        guard count > 0 else { return }
        let rank = loopDims.count
        let k = operands
        let n = rowLength
        let rows = count / n
        loopDims.withUnsafeBufferPointer { dims in
            loopStrides.withUnsafeBufferPointer { st in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: rank + k) { buf in
                    let idx = buf.baseAddress!
                    let off = idx + rank
                    idx.initialize(repeating: 0, count: rank + k)
                    var dense = 0
                    for _ in 0..<rows {
                        body(dense, off)
                        dense += n
                        // Odometer over the outer dimensions.
                        var d = rank - 2
                        while d >= 0 {
                            if idx[d] + 1 < dims[d] {
                                idx[d] += 1
                                for j in 0..<k { off[j] += st[d * k + j] }
                                break
                            }
                            for j in 0..<k { off[j] -= st[d * k + j] * (dims[d] - 1) }
                            idx[d] = 0
                            d -= 1
                        }
                    }
                }
            }
        }
    }
}

// MARK: loop drivers

/// `o[i] = f(a[.], b[.])` over a two-operand broadcast; `o` is dense in `bc.shape`. `o` may
/// alias `a` when `a` is dense in `bc.shape` (in-place accumulation).
@inline(__always)
func broadcastLoop<A, B, O>(_ bc: Broadcast, _ a: UnsafePointer<A>, _ b: UnsafePointer<B>,
                            _ o: UnsafeMutablePointer<O>, _ f: (A, B) -> O) {
    let n = bc.rowLength
    let sa = bc.rowStride(0), sb = bc.rowStride(1)
    bc.forEachRow { dense, off in
        let pa = a + off[0], pb = b + off[1], po = o + dense
        if sa == 1 && sb == 1 {
            for j in 0..<n { po[j] = f(pa[j], pb[j]) }
        } else if sa == 0 && sb == 1 {
            let x = pa[0]
            for j in 0..<n { po[j] = f(x, pb[j]) }
        } else if sa == 1 && sb == 0 {
            let y = pb[0]
            for j in 0..<n { po[j] = f(pa[j], y) }
        } else {
            for j in 0..<n { po[j] = f(pa[j * sa], pb[j * sb]) }
        }
    }
}

/// `o[i] = f(a[.], b[.], c[.])` over a three-operand broadcast; `o` is dense in `bc.shape`.
@inline(__always)
func broadcastLoop<A, B, C, O>(_ bc: Broadcast, _ a: UnsafePointer<A>, _ b: UnsafePointer<B>, _ c: UnsafePointer<C>,
                               _ o: UnsafeMutablePointer<O>, _ f: (A, B, C) -> O) {
    let n = bc.rowLength
    let sa = bc.rowStride(0), sb = bc.rowStride(1), sc = bc.rowStride(2)
    bc.forEachRow { dense, off in
        let pa = a + off[0], pb = b + off[1], pc = c + off[2], po = o + dense
        if sa == 1 && sb == 1 && sc == 1 {
            for j in 0..<n { po[j] = f(pa[j], pb[j], pc[j]) }
        } else {
            for j in 0..<n { po[j] = f(pa[j * sa], pb[j * sb], pc[j * sc]) }
        }
    }
}

/// Element pointers of plain tensors for kernels that dispatch on `dtype` themselves. `T`
/// must have the element's size (bool is one byte: `Bool` or `UInt8`).
extension Tensor {
    @inline(__always)
    func withElements<T, R>(_: T.Type, _ body: (UnsafePointer<T>) throws -> R) rethrows -> R {
        try withUnsafeBytes { try body($0.baseAddress!.assumingMemoryBound(to: T.self)) }
    }

    @inline(__always)
    mutating func withMutableElements<T, R>(_: T.Type, _ body: (UnsafeMutablePointer<T>) throws -> R) rethrows -> R {
        try withUnsafeMutableBytes { try body($0.baseAddress!.assumingMemoryBound(to: T.self)) }
    }
}

/// Runs a two-operand broadcast loop on tensors: `out` must be allocated with `bc.shape`.
@inline(__always)
func broadcastLoop<A, B, O>(_ bc: Broadcast, _ a: Tensor, _ b: Tensor, into out: inout Tensor,
                            _: A.Type, _: B.Type, _: O.Type, _ f: (A, B) -> O) {
    a.withElements(A.self) { pa in
        b.withElements(B.self) { pb in
            out.withMutableElements(O.self) { po in broadcastLoop(bc, pa, pb, po, f) }
        }
    }
}
