import Foundation

/// A base-10 logarithmic value axis spanning whole decades, 10^lowerDecade … 10^upperDecade,
/// mapped onto pixel rows `bottom` (low values) … `top` (high values).
public struct LogScale: Equatable {
    public let lowerDecade: Int
    public let upperDecade: Int
    public let top: Double
    public let bottom: Double

    public init(lowerDecade: Int, upperDecade: Int, top: Double, bottom: Double) {
        self.lowerDecade = lowerDecade
        self.upperDecade = max(upperDecade, lowerDecade + 1)
        self.top = top
        self.bottom = bottom
    }

    /// The smallest whole-decade range holding every positive, finite value, capped above at
    /// `ceiling` (100 % of an image area). Non-positive values cannot be placed and are ignored.
    public static func decades(covering values: [Double], ceiling: Double = 100) -> (lower: Int, upper: Int) {
        let positive = values.filter { $0 > 0 && $0.isFinite }
        guard let lo = positive.min(), let hi = positive.max() else { return (0, 1) }
        let upper = Int(log10(min(hi, ceiling)).rounded(.up))  // 10 → 1, 11 → 2
        var lower = Int(log10(lo).rounded(.down))
        if lower >= upper { lower = upper - 1 }
        return (lower, upper)
    }

    /// The pixel row of `value`; values outside the axis (and non-positive ones) are held at its ends.
    public func y(_ value: Double) -> Double {
        guard value > 0 else { return bottom }  // also NaN
        let t = (log10(value) - Double(lowerDecade)) / Double(upperDecade - lowerDecade)
        return bottom + (top - bottom) * min(max(t, 0), 1)
    }

    /// 10^k for each decade on the axis, lowest first.
    public var majorTicks: [Double] { (lowerDecade...upperDecade).map { pow(10, Double($0)) } }

    /// 2…9 × 10^k inside the axis.
    public var minorTicks: [Double] {
        (lowerDecade..<upperDecade).flatMap { k in (2...9).map { Double($0) * pow(10, Double(k)) } }
    }

    /// "0.01", "0.1", "1", "10", "100": plain decimals, never exponent notation.
    public static func label(decade k: Int) -> String {
        k >= 0 ? "1" + String(repeating: "0", count: k) : "0." + String(repeating: "0", count: -k - 1) + "1"
    }
}

/// A linear value axis: `domain` mapped onto pixel rows `bottom` (domain's lower bound) … `top`.
public struct LinearScale: Equatable {
    public let domain: ClosedRange<Double>
    public let top: Double
    public let bottom: Double

    public init(domain: ClosedRange<Double>, top: Double, bottom: Double) {
        self.domain = domain
        self.top = top
        self.bottom = bottom
    }

    public func y(_ value: Double) -> Double {
        let v = min(max(value, domain.lowerBound), domain.upperBound)
        let span = domain.upperBound - domain.lowerBound
        return span > 0 ? bottom + (top - bottom) * (v - domain.lowerBound) / span : bottom
    }
}
