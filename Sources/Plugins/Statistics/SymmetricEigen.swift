import COpenBLAS
import Runtime

/// Eigen-decomposition of a real symmetric matrix (LAPACK dsyevd, divide and conquer).
enum SymmetricEigen {
    /// Eigenvalues in ascending order and, when `vectors`, the eigenvectors as the columns of
    /// an n × n row-major matrix (component i of vector j at [i·n + j]); only the upper
    /// triangle of `matrix` (n × n, row-major) is read.
    static func decompose(_ matrix: [Double], n: Int, vectors: Bool) throws -> (values: [Double], vectors: [Double]) {
        precondition(matrix.count == n * n, "SymmetricEigen: \(matrix.count) values for \(n)×\(n)")
        guard n > 0 else { return ([], []) }
        var a = matrix
        var w = [Double](repeating: 0, count: n)
        let info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: vectors ? "V" : "N")), CChar(UInt8(ascii: "U")),
                                  Int32(n), &a, Int32(n), &w)
        guard info == 0 else {
            throw RuntimeError(.backendFailure, "LAPACK dsyevd failed on a \(n)×\(n) matrix (info \(info))")
        }
        return (w, vectors ? a : [])
    }
}
