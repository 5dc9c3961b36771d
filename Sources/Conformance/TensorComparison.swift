import Foundation
import Runtime

/// ONNX backend-test comparison: dtype and shape must match; floating-point elements within
/// |a − b| ≤ atol + rtol·|b| (NaN equals NaN), everything else bit-exact.
public enum TensorComparison {
    /// ONNX's defaults (onnx/backend/test/case/node: rtol 1e-3, atol 1e-7).
    public static let defaultRTol = 1e-3
    public static let defaultATol = 1e-7

    /// nil when `actual` matches `expected`, otherwise why not.
    public static func mismatch(actual: Tensor, expected: Tensor, rtol: Double = defaultRTol,
                                atol: Double = defaultATol) -> String? {
        guard actual.dtype == expected.dtype else {
            return "dtype \(actual.dtype), expected \(expected.dtype)"
        }
        guard actual.shape == expected.shape else {
            return "shape \(actual.shape), expected \(expected.shape)"
        }
        let a = actual.plain(), e = expected.plain()
        if e.dtype.isFloatingPoint {
            return floatMismatch(a.doubles, e.doubles, shape: e.shape, rtol: rtol, atol: atol)
        }
        return exactMismatch(a, e)
    }

    static func floatMismatch(_ a: [Double], _ e: [Double], shape: [Int], rtol: Double, atol: Double) -> String? {
        var bad = 0
        var first = -1
        var maxDiff = 0.0
        for i in 0..<e.count {
            let x = a[i], y = e[i]
            if x == y || (x.isNaN && y.isNaN) { continue }
            let d = abs(x - y)
            if d <= atol + rtol * abs(y) { continue }
            bad += 1
            if first < 0 { first = i }
            if !(d <= maxDiff) { maxDiff = d }
        }
        guard bad > 0 else { return nil }
        return "\(bad) of \(e.count) elements differ (max |diff| \(maxDiff)); first at \(index(first, shape)): got \(a[first]), expected \(e[first])"
    }

    static func exactMismatch(_ a: Tensor, _ e: Tensor) -> String? {
        let size = e.dtype.byteSize
        guard size > 0 else { return nil }
        var bad = 0
        var first = -1
        a.withUnsafeBytes { pa in
            e.withUnsafeBytes { pe in
                for i in 0..<e.count where memcmp(pa.baseAddress! + i * size, pe.baseAddress! + i * size, size) != 0 {
                    bad += 1
                    if first < 0 { first = i }
                }
            }
        }
        guard bad > 0 else { return nil }
        let got = a.doubles[first], want = e.doubles[first]
        return "\(bad) of \(e.count) elements differ; first at \(index(first, e.shape)): got \(format(got)), expected \(format(want))"
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e18 ? String(Int64(v)) : String(v)
    }

    /// Flat index → "[i, j, k]".
    static func index(_ flat: Int, _ shape: [Int]) -> String {
        var rest = flat
        var idx = [Int](repeating: 0, count: shape.count)
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
            idx[d] = rest % shape[d]
            rest /= shape[d]
        }
        return "[" + idx.map(String.init).joined(separator: ", ") + "]"
    }
}
