import COpenBLAS

/// Floating-point element types with a BLAS gemm, so that Conv and MatMul share one generic
/// body for float32 (sgemm) and float64 (dgemm).
protocol BLASFloat: BinaryFloatingPoint, TensorElement {
    /// Row-major C[m×n] = alpha·op(A)·op(B) + beta·C with op(A) m×k and op(B) k×n.
    static func blasGemm(_ transA: Bool, _ transB: Bool, _ m: Int32, _ n: Int32, _ k: Int32, _ alpha: Self,
                         _ a: UnsafePointer<Self>, _ lda: Int32, _ b: UnsafePointer<Self>, _ ldb: Int32,
                         _ beta: Self, _ c: UnsafeMutablePointer<Self>, _ ldc: Int32)
}

extension Float: BLASFloat {
    @inline(__always)
    static func blasGemm(_ transA: Bool, _ transB: Bool, _ m: Int32, _ n: Int32, _ k: Int32, _ alpha: Float,
                         _ a: UnsafePointer<Float>, _ lda: Int32, _ b: UnsafePointer<Float>, _ ldb: Int32,
                         _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int32) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
}

extension Double: BLASFloat {
    @inline(__always)
    static func blasGemm(_ transA: Bool, _ transB: Bool, _ m: Int32, _ n: Int32, _ k: Int32, _ alpha: Double,
                         _ a: UnsafePointer<Double>, _ lda: Int32, _ b: UnsafePointer<Double>, _ ldb: Int32,
                         _ beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int32) {
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
}

/// Row-major dense C[m×n] = alpha·op(A)·op(B) + beta·C over contiguous operands (leading
/// dimensions follow from the shapes). Handles empty dimensions itself, since BLAS rejects
/// zero leading dimensions, and checks that sizes fit BLAS's 32-bit integers.
@inline(__always)
func gemm<T: BLASFloat>(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: T = 1,
                        a: UnsafePointer<T>, b: UnsafePointer<T>, beta: T = 0, c: UnsafeMutablePointer<T>) throws {
    if m == 0 || n == 0 { return }
    if k == 0 || alpha == 0 {
        let mn = m * n
        if beta == 0 { c.update(repeating: 0, count: mn) } else if beta != 1 { for i in 0..<mn { c[i] *= beta } }
        return
    }
    let limit = Int(Int32.max)
    guard m <= limit, n <= limit, k <= limit else {
        throw RuntimeError.unsupported("matrix product \(m)×\(k) · \(k)×\(n) exceeds BLAS's 32-bit dimension limit")
    }
    T.blasGemm(transA, transB, Int32(m), Int32(n), Int32(k), alpha,
               a, Int32(transA ? m : k), b, Int32(transB ? k : n), beta, c, Int32(n))
}
