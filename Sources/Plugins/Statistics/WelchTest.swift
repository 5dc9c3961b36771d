import Runtime

/// Welch's unequal-variance t-test on two samples' means, from their sufficient statistics.
public struct WelchTest: Codable, Equatable, Sendable {
    /// (mean₂ − mean₁) / √(s₁²/n₁ + s₂²/n₂).
    public var t: Double
    /// Welch–Satterthwaite degrees of freedom (nil when both variances are zero).
    public var degreesOfFreedom: Double?
    /// Two-sided p-value.
    public var p: Double

    /// Both variances zero: the means are either equal (p = 1, no evidence of a difference;
    /// scipy returns NaN) or different constants (t = ±∞, p = 0).
    public init(mean1: Double, variance1: Double, count1: Int, mean2: Double, variance2: Double, count2: Int) throws {
        guard count1 >= 2, count2 >= 2 else {
            throw RuntimeError(.badInput, "Welch's t-test needs at least 2 images per set, got \(count1) and \(count2)")
        }
        guard [mean1, variance1, mean2, variance2].allSatisfy(\.isFinite) else {
            throw RuntimeError(.badInput, "Welch's t-test: non-finite mean or variance (\(mean1), \(variance1), \(mean2), \(variance2))")
        }
        let v1 = max(variance1, 0) / Double(count1), v2 = max(variance2, 0) / Double(count2)
        let se2 = v1 + v2
        guard se2 > 0 else {
            t = mean1 == mean2 ? 0 : (mean2 > mean1 ? .infinity : -.infinity)
            degreesOfFreedom = nil
            p = mean1 == mean2 ? 1 : 0
            return
        }
        t = (mean2 - mean1) / se2.squareRoot()
        let df = se2 * se2 / (v1 * v1 / Double(count1 - 1) + v2 * v2 / Double(count2 - 1))
        degreesOfFreedom = df
        p = StudentT.twoSidedP(t: t, df: df)
    }
}
