import COpenBLAS
import Runtime

/// A Fréchet distance between two Gaussians fitted to class areas, with its two parts:
/// ‖μ₁ − μ₂‖² (means) and tr Σ₁ + tr Σ₂ − 2 tr (Σ₁Σ₂)^½ (covariances).
public struct FrechetDistance: Codable, Equatable, Sendable {
    public var total: Double
    public var meanPart: Double
    public var covariancePart: Double

    public init(meanPart: Double, covariancePart: Double) {
        self.meanPart = meanPart
        self.covariancePart = covariancePart
        total = meanPart + covariancePart
    }
}

extension FrechetDistance {
    /// The Fréchet Segmentation Distance between two sets' moments (percent areas).
    public static func between(_ a: SegmentationMoments, _ b: SegmentationMoments) throws -> FrechetDistance {
        guard a.classCount == b.classCount else {
            throw RuntimeError(.badInput, "FSD: the sets have \(a.classCount) and \(b.classCount) classes")
        }
        if let c = (0..<a.classCount).first(where: { a.classNames[$0] != b.classNames[$0] }) {
            throw RuntimeError(.badInput, "FSD: class \(c) is '\(a.classNames[c])' in one set and '\(b.classNames[c])' in the other")
        }
        return try compute(mean1: a.mean, covariance1: a.covariance, mean2: b.mean, covariance2: b.covariance, n: a.classCount)
    }

    /// ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁Σ₂)^½ for symmetric positive semi-definite Σ that may
    /// be singular (most classes never appear). Classes with zero variance in both sets have zero
    /// rows and columns in both covariances and are dropped first (exact). The trace of the square
    /// root uses only symmetric eigen-decompositions: with Σ₁ = V Λ Vᵀ and W = V Λ^½,
    /// Σ₁^½ Σ₂ Σ₁^½ = V (Wᵀ Σ₂ W) Vᵀ, so it has the eigenvalues of the PSD M = Wᵀ Σ₂ W, and
    /// tr (Σ₁Σ₂)^½ = tr (Σ₁^½ Σ₂ Σ₁^½)^½ = Σ √λᵢ(M). Eigenvalues of Σ₁ and of M at or below n·ε·λ_max are round-off
    /// (a true PSD matrix has none below zero) and count as zero.
    static func compute(mean1: [Double], covariance1: [Double], mean2: [Double], covariance2: [Double], n k: Int) throws -> FrechetDistance {
        var meanPart = 0.0
        for i in 0..<k { meanPart += (mean1[i] - mean2[i]) * (mean1[i] - mean2[i]) }
        let active = (0..<k).filter { covariance1[$0 * k + $0] > 0 || covariance2[$0 * k + $0] > 0 }
        let n = active.count
        var a = [Double](repeating: 0, count: n * n), b = a
        var traces = 0.0
        for (r, i) in active.enumerated() {
            traces += covariance1[i * k + i] + covariance2[i * k + i]
            for (c, j) in active.enumerated() {
                a[r * n + c] = covariance1[i * k + j]
                b[r * n + c] = covariance2[i * k + j]
            }
        }
        return FrechetDistance(meanPart: meanPart, covariancePart: traces - 2 * (try traceSqrtProduct(a, b, n: n)))
    }

    /// tr (AB)^½ for symmetric PSD n × n A and B.
    static func traceSqrtProduct(_ a: [Double], _ b: [Double], n: Int) throws -> Double {
        guard n > 0 else { return 0 }
        let (lambda, v) = try SymmetricEigen.decompose(a, n: n, vectors: true)
        let floorA = Double(n) * .ulpOfOne * max(lambda[n - 1], 0)
        let kept = (0..<n).filter { lambda[$0] > floorA }
        let r = kept.count
        guard r > 0 else { return 0 }
        // W = V_r Λ_r^½ (n × r), T = B W (n × r), M = Wᵀ T (r × r).
        var w = [Double](repeating: 0, count: n * r)
        for i in 0..<n {
            for (c, j) in kept.enumerated() { w[i * r + c] = v[i * n + j] * lambda[j].squareRoot() }
        }
        var t = [Double](repeating: 0, count: n * r)
        cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, Int32(n), Int32(r), 1, b, Int32(n), w, Int32(r), 0, &t, Int32(r))
        var m = [Double](repeating: 0, count: r * r)
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(r), Int32(r), Int32(n), 1, w, Int32(r), t, Int32(r), 0, &m, Int32(r))
        for i in 0..<r {
            for j in (i + 1)..<r {
                let s = (m[i * r + j] + m[j * r + i]) / 2
                m[i * r + j] = s
                m[j * r + i] = s
            }
        }
        let mu = try SymmetricEigen.decompose(m, n: r, vectors: false).values
        let floorM = Double(r) * .ulpOfOne * max(mu[r - 1], 0)
        var trace = 0.0
        for x in mu where x > floorM { trace += x.squareRoot() }
        return trace
    }
}
