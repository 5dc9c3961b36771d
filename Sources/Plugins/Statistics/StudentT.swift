import Foundation

/// Student's t distribution tails through the regularized incomplete beta function
/// I_x(a, b), evaluated by its continued fraction (modified Lentz) on the side where it
/// converges quickly. Logs of x and 1 − x are taken from t directly and ln B(df/2, ½) from a
/// Stirling difference for large df, so nothing is formed by cancellation of large terms
/// (lgamma(a) − lgamma(a + ½) alone would lose ~1e-11 at df = 10⁴ and ~1e-6 at 10⁸).
public enum StudentT {
    /// P(|T| ≥ |t|) for `df` degrees of freedom: I_{df/(df+t²)}(df/2, 1/2).
    public static func twoSidedP(t: Double, df: Double) -> Double {
        if t.isNaN || df.isNaN || df <= 0 { return .nan }
        if t.isInfinite { return 0 }
        if t == 0 { return 1 }
        if df.isInfinite { return erfc(abs(t) / 2.squareRoot()) }
        let t2 = t * t
        // x = df / (df + t²), y = 1 − x = t² / (df + t²).
        let logX = -log1p(t2 / df)
        let logY = log(t2 / (df + t2))
        let x = exp(logX), y = t2 / (df + t2)
        return regularizedBeta(a: df / 2, b: 0.5, x: x, y: y, logX: logX, logY: logY, logBeta: logBetaHalf(df / 2))
    }

    /// ln B(a, ½) = ln Γ(½) − (ln Γ(a + ½) − ln Γ(a)). For a ≥ 20 the difference comes from
    /// Stirling's series with the large terms combined analytically:
    /// a·ln(1 + 1/(2a)) + ½ ln a − ½ + S(a + ½) − S(a), S(y) = 1/(12y) − 1/(360y³) + 1/(1260y⁵) − 1/(1680y⁷)
    /// (truncation below 1e-15 there).
    static func logBetaHalf(_ a: Double) -> Double {
        let logGammaHalf = 0.5 * log(Double.pi)
        guard a >= 20, a.isFinite else { return lgamma(a) + logGammaHalf - lgamma(a + 0.5) }
        func series(_ y: Double) -> Double {
            let r = 1 / y, r2 = r * r
            return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 / 1680)))
        }
        let difference = a * log1p(0.5 / a) - 0.5 + 0.5 * log(a) + (series(a + 0.5) - series(a))
        return logGammaHalf - difference
    }

    /// I_x(a, b) with y = 1 − x, both logs and ln B(a, b) given.
    static func regularizedBeta(a: Double, b: Double, x: Double, y: Double, logX: Double, logY: Double, logBeta: Double) -> Double {
        if x <= 0 { return 0 }
        if y <= 0 { return 1 }
        if x < (a + 1) / (a + b + 2) {
            return exp(a * logX + b * logY - logBeta) * continuedFraction(a: a, b: b, x: x) / a
        }
        return 1 - exp(b * logY + a * logX - logBeta) * continuedFraction(a: b, b: a, x: y) / b
    }

    /// The continued fraction of I_x(a, b) (Numerical Recipes' betacf); converges in
    /// O(√max(a, b)) terms for x < (a + 1)/(a + b + 2).
    static func continuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...1_000_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) <= 1e-16 { break }
        }
        return h
    }
}
