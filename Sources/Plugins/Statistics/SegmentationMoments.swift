import Runtime

/// Mean and unbiased covariance (N − 1) of per-image class areas in percent: what FSD and the
/// per-class tests need from a set of images.
public struct SegmentationMoments: Sendable {
    public let classNames: [String]
    public let count: Int
    /// Per-class mean area, percent.
    public let mean: [Double]
    /// classes × classes, row-major, symmetric, percent².
    public let covariance: [Double]

    public var classCount: Int { classNames.count }

    /// Checks sizes, finiteness and symmetry (exact: callers symmetrise).
    public init(classNames: [String], count: Int, mean: [Double], covariance: [Double]) throws {
        let k = classNames.count
        guard k > 0, mean.count == k, covariance.count == k * k else {
            throw RuntimeError(.badInput, "moments: \(k) classes need a mean of \(k) and a covariance of \(k * k) values, got \(mean.count) and \(covariance.count)")
        }
        guard count >= 2 else { throw RuntimeError(.badInput, "moments: a covariance needs at least 2 images, got \(count)") }
        if let c = mean.firstIndex(where: { !$0.isFinite }) {
            throw RuntimeError(.badInput, "moments: mean of class \(c) '\(classNames[c])' is \(mean[c])")
        }
        if let e = covariance.firstIndex(where: { !$0.isFinite }) {
            throw RuntimeError(.badInput, "moments: covariance entry (\(e / k), \(e % k)) is \(covariance[e])")
        }
        for i in 0..<k {
            for j in (i + 1)..<k where covariance[i * k + j] != covariance[j * k + i] {
                throw RuntimeError(.badInput, "moments: covariance is not symmetric at (\(i), \(j)): \(covariance[i * k + j]) vs \(covariance[j * k + i])")
            }
        }
        self.classNames = classNames
        self.count = count
        self.mean = mean
        self.covariance = covariance
    }

    /// Per-class variances (the covariance diagonal).
    public var variances: [Double] { (0..<classCount).map { covariance[$0 * classCount + $0] } }
}
