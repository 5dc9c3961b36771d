/// Shape rules of MatMul (numpy matmul): 1-D operands are promoted to matrices and the
/// promoted axis dropped from the result; leading (batch) axes broadcast. Shared by the
/// reference and oneDNN kernels.
public struct MatMulGeometry: Equatable, Sendable {
    public let m: Int
    public let k: Int
    public let n: Int
    /// Broadcast batch shape (empty for plain matrix products).
    public let batchShape: [Int]
    /// For each batch index (row-major over `batchShape`), the index of the A and B matrix it
    /// reads (equal to the batch index unless that operand broadcasts).
    public let aMatrix: [Int]
    public let bMatrix: [Int]
    public let outputShape: [Int]

    public var batchCount: Int { aMatrix.count }

    public init(a: [Int], b: [Int]) throws {
        guard !a.isEmpty, !b.isEmpty else {
            throw RuntimeError.invalid("MatMul operands must have rank >= 1, got shapes \(a) and \(b)")
        }
        let am = a.count == 1 ? [1] + a : a
        let bm = b.count == 1 ? b + [1] : b
        m = am[am.count - 2]
        k = am[am.count - 1]
        n = bm[bm.count - 1]
        guard bm[bm.count - 2] == k else {
            throw RuntimeError.invalid("MatMul inner dimensions differ: A \(a) has \(k) columns, B \(b) has \(bm[bm.count - 2]) rows")
        }
        let aBatch = Array(am.dropLast(2)), bBatch = Array(bm.dropLast(2))
        let rank = max(aBatch.count, bBatch.count)
        let ap = [Int](repeating: 1, count: rank - aBatch.count) + aBatch
        let bp = [Int](repeating: 1, count: rank - bBatch.count) + bBatch
        var batch = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            guard ap[i] == bp[i] || ap[i] == 1 || bp[i] == 1 else {
                throw RuntimeError.invalid("MatMul batch dimensions of A \(a) and B \(b) do not broadcast (axis \(i): \(ap[i]) vs \(bp[i]))")
            }
            batch[i] = ap[i] == 1 ? bp[i] : ap[i]
        }
        batchShape = batch
        aMatrix = MatMulGeometry.sourceIndices(ap, batch)
        bMatrix = MatMulGeometry.sourceIndices(bp, batch)
        var out = batch
        if a.count > 1 { out.append(m) }
        if b.count > 1 { out.append(n) }
        outputShape = out
    }

    /// Row-major index into `source` (a broadcastable prefix of `target`) for every index of `target`.
    private static func sourceIndices(_ source: [Int], _ target: [Int]) -> [Int] {
        let count = target.reduce(1, *)
        let strides = Tensor.strides(of: source)
        var result = [Int](repeating: 0, count: count)
        var coord = [Int](repeating: 0, count: target.count)
        for i in 0..<count {
            var s = 0
            for d in 0..<target.count where source[d] != 1 { s += coord[d] * strides[d] }
            result[i] = s
            var d = target.count - 1
            while d >= 0 {
                coord[d] += 1
                if coord[d] < target[d] { break }
                coord[d] = 0
                d -= 1
            }
        }
        return result
    }
}

/// Shape rules of Gemm: Y[M, N] = alpha·op(A)·op(B) + beta·C with op() the optional
/// transpose and C unidirectionally broadcast to [M, N].
public struct GemmGeometry: Equatable, Sendable {
    public let m: Int
    public let k: Int
    public let n: Int
    public let transA: Bool
    public let transB: Bool
    /// Element strides that read C as an [M, N] matrix (0 along broadcast axes).
    public let cRowStride: Int
    public let cColumnStride: Int

    public init(node: Node, a: [Int], b: [Int], c: [Int]?) throws {
        guard a.count == 2, b.count == 2 else {
            throw RuntimeError.invalid("Gemm operands must be matrices, got A \(a) and B \(b)")
        }
        transA = node.int("transA", default: 0) != 0
        transB = node.int("transB", default: 0) != 0
        m = transA ? a[1] : a[0]
        k = transA ? a[0] : a[1]
        let kb = transB ? b[1] : b[0]
        n = transB ? b[0] : b[1]
        guard k == kb else {
            throw RuntimeError.invalid("Gemm inner dimensions differ: op(A) is \(m)×\(k), op(B) is \(kb)×\(n) (transA=\(transA ? 1 : 0), transB=\(transB ? 1 : 0))")
        }
        guard let c else { cRowStride = 0; cColumnStride = 0; return }
        guard c.count <= 2 else { throw RuntimeError.invalid("Gemm C must have rank <= 2, got \(c)") }
        let cm = c.count == 2 ? c[0] : 1
        let cn = c.isEmpty ? 1 : c[c.count - 1]
        guard (cm == m || cm == 1) && (cn == n || cn == 1) else {
            throw RuntimeError.invalid("Gemm C of shape \(c) does not broadcast to the \(m)×\(n) result")
        }
        cColumnStride = cn == 1 ? 0 : 1
        cRowStride = cm == 1 ? 0 : cn
    }
}
