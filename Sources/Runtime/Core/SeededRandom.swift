import Foundation

/// A small, fast, reproducible generator (SplitMix64) with Gaussian samples by Box–Muller.
/// Identical streams on every platform: latents drawn from a seed are reproducible anywhere.
public struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    private var spare: Double?

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Standard normal.
    public mutating func normal() -> Double {
        if let s = spare { spare = nil; return s }
        var u = uniform()
        while u <= .leastNonzeroMagnitude { u = uniform() }
        let v = uniform()
        let r = (-2 * log(u)).squareRoot()
        spare = r * sin(2 * .pi * v)
        return r * cos(2 * .pi * v)
    }
}

extension Tensor {
    /// A float32 tensor of standard normal samples from `seed`.
    public static func randomNormal(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededRandom(seed: seed)
        var t = Tensor(zeros: shape, dtype: .float32)
        t.withUnsafeMutableBufferPointer(as: Float.self) { p in
            for i in p.indices { p[i] = Float(rng.normal()) }
        }
        return t
    }
}
