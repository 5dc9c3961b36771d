import Foundation

/// Student's t distribution tails through the regularized incomplete beta function
/// I_x(a, b), evaluated by its continued fraction (modified Lentz) on the side where it
/// converges quickly. Logs of x and 1 − x are taken from t directly, so neither is formed by
/// cancellation; the remaining error is lgamma's on ln B(a, b), about 1e-11 relative at 10⁴
/// degrees of freedom.
public enum StudentT {
    /// P(|T| ≥ |t|) for `df` degrees of freedom: I_{df/(df+t²)}(df/2, 1/2).
    public static func twoSidedP(t: Double, df: Double) -> Double {
        if t.isNaN || df.isNaN || df <= 0 { return .nan }
        if t.isInfinite { return 0 }
        if t == 0 { return 1 }
        let t2 = t * t
        // x = df / (df + t²), y = 1 − x = t² / (df + t²).
        let logX = -log1p(t2 / df)
        let logY = df.isInfinite ? 0 : log(t2 / (df + t2))
        let x = exp(logX), y = t2 / (df + t2)
        return regularizedBeta(a: df / 2, b: 0.5, x: x, y: y, logX: logX, logY: logY)
    }

    /// I_x(a, b) with y = 1 − x and both logs given.
    static func regularizedBeta(a: Double, b: Double, x: Double, y: Double, logX: Double, logY: Double) -> Double {
        if x <= 0 { return 0 }
        if y <= 0 { return 1 }
        let logBeta = lgamma(a) + lgamma(b) - lgamma(a + b)
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
