import COpenBLAS
import Foundation
import Runtime

/// A bootstrap confidence interval for FSD: both image sets are resampled with replacement
/// (seeded), FSD is recomputed per resample, and the interval is read off the resampled values.
public struct FSDInterval: Codable, Equatable, Sendable {
    public var confidence: Double
    public var resamples: Int
    public var seed: UInt64
    /// Percentile interval: the (1 − c)/2 and (1 + c)/2 quantiles of the resampled FSDs
    /// (numpy's default linear interpolation).
    public var lower: Double
    public var upper: Double
    /// Basic (reverse-percentile) interval 2·FSD − upper quantile … 2·FSD − lower quantile.
    /// FSD is biased upwards by sampling noise and a resample adds that noise again, so the
    /// percentile interval sits above the estimate; the basic interval corrects that shift, and
    /// for two samples of one distribution it covers 0.
    public var basicLower: Double
    public var basicUpper: Double
    /// Mean of the resampled FSDs (minus the estimate: the bootstrap estimate of the bias).
    public var bootstrapMean: Double
    /// Every resample's FSD, in resample order (`FSDBootstrap.resampleWeights` gives its images).
    public var samples: [Double]
}

public enum FSDBootstrap {
    /// Resamples both sets `resamples` times; needs per-image vectors in both tallies. Each
    /// resample draws its images from its own seed (derived from `seed`), so the result does
    /// not depend on `threads`. `progress` is called with the number of resamples done so far
    /// (from worker threads, one call at a time).
    public static func interval(real: SegmentationTally, generated: SegmentationTally, resamples: Int = 200,
                                confidence: Double = 0.95, seed: UInt64 = 1, threads: Int = 2,
                                progress: (@Sendable (Int) -> Void)? = nil) throws -> FSDInterval {
        guard resamples >= 2 else { throw RuntimeError(.badInput, "bootstrap: need at least 2 resamples, got \(resamples)") }
        guard confidence > 0, confidence < 1 else { throw RuntimeError(.badInput, "bootstrap: confidence must be in (0, 1), got \(confidence)") }
        let estimate = try FrechetDistance.between(real.moments(), generated.moments()).total
        let classes = try sharedActiveClasses(real, generated)
        let rows = (WeightedImageRows(real, classes: classes), WeightedImageRows(generated, classes: classes))
        var seeds = SeededRandom(seed: seed)
        let resampleSeeds = (0..<resamples).map { _ in seeds.next() }
        let samples = try parallelMap(resamples, threads: threads, progress: progress) { b -> Double in
            let (w1, w2) = weights(rows.0.count, rows.1.count, seed: resampleSeeds[b])
            let m1 = rows.0.moments(weights: w1, total: rows.0.count)
            let m2 = rows.1.moments(weights: w2, total: rows.1.count)
            return try FrechetDistance.compute(mean1: m1.mean, covariance1: m1.covariance, mean2: m2.mean,
                                               covariance2: m2.covariance, n: classes.count).total
        }
        let sorted = samples.sorted()
        let lo = quantile(sorted, (1 - confidence) / 2), hi = quantile(sorted, (1 + confidence) / 2)
        return FSDInterval(confidence: confidence, resamples: resamples, seed: seed, lower: lo, upper: hi,
                           basicLower: 2 * estimate - hi, basicUpper: 2 * estimate - lo,
                           bootstrapMean: samples.reduce(0, +) / Double(resamples), samples: samples)
    }

    /// How often each image is drawn in resample `resample` of `interval(…, seed:)`: multinomial
    /// counts over the real and the generated images (each summing to its set's size).
    public static func resampleWeights(realCount: Int, generatedCount: Int, seed: UInt64, resample: Int) -> (real: [Int32], generated: [Int32]) {
        var seeds = SeededRandom(seed: seed)
        for _ in 0..<resample { _ = seeds.next() }
        return weights(realCount, generatedCount, seed: seeds.next())
    }

    private static func weights(_ n1: Int, _ n2: Int, seed: UInt64) -> ([Int32], [Int32]) {
        var rng = SeededRandom(seed: seed)
        let w1 = multinomialCounts(n1, &rng)
        return (w1, multinomialCounts(n2, &rng))
    }

    /// The paper's sensitivity test within one set: FSD between two disjoint random halves
    /// (⌊N/2⌋ images each, seeded). Halves are half the size of the set, so this is about
    /// twice the self-distance two full-size samples would show.
    public static func selfDistance(_ tally: SegmentationTally, seed: UInt64 = 1) throws -> FrechetDistance {
        try requirePerImage(tally)
        let (first, second) = try halves(count: tally.count, seed: seed)
        let classes = (0..<tally.classCount).filter { c in (0..<tally.count).contains { tally.perImage[$0 * tally.classCount + c] != 0 } }
        let rows = WeightedImageRows(tally, classes: classes)
        var w1 = [Int32](repeating: 0, count: tally.count), w2 = w1
        for i in first { w1[i] = 1 }
        for i in second { w2[i] = 1 }
        let m1 = rows.moments(weights: w1, total: first.count), m2 = rows.moments(weights: w2, total: second.count)
        return try FrechetDistance.compute(mean1: m1.mean, covariance1: m1.covariance, mean2: m2.mean,
                                           covariance2: m2.covariance, n: classes.count)
    }

    /// The two disjoint random halves (image indices, ⌊count/2⌋ each) `selfDistance` compares:
    /// a seeded Fisher–Yates shuffle of 0..<count, split in the middle.
    public static func halves(count: Int, seed: UInt64) throws -> (first: [Int], second: [Int]) {
        let half = count / 2
        guard half >= 2 else { throw RuntimeError(.badInput, "self-distance: \(count) images cannot make two halves of at least 2") }
        var rng = SeededRandom(seed: seed)
        var order = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, uniformIndex(i + 1, &rng)) }
        return (Array(order[0..<half]), Array(order[half..<(2 * half)]))
    }

    // MARK: helpers

    static func requirePerImage(_ t: SegmentationTally) throws {
        guard t.keepsPerImage else {
            throw RuntimeError(.badInput, "resampling needs per-image area vectors: create the tally with keepsPerImage: true")
        }
        guard t.count >= 2 else { throw RuntimeError(.badInput, "resampling needs at least 2 images, the tally has \(t.count)") }
    }

    /// Classes that occur in either set (the others have zero rows and columns in every
    /// resample's covariance and zero means, so leaving them out changes nothing).
    static func sharedActiveClasses(_ a: SegmentationTally, _ b: SegmentationTally) throws -> [Int] {
        try requirePerImage(a)
        try requirePerImage(b)
        guard a.classNames == b.classNames else {
            throw RuntimeError(.badInput, "the sets have different classes (\(a.classCount) vs \(b.classCount))")
        }
        let k = a.classCount
        var seen = [Bool](repeating: false, count: k)
        for t in [a, b] { for (e, v) in t.perImage.enumerated() where v != 0 { seen[e % k] = true } }
        return (0..<k).filter { seen[$0] }
    }

    /// How often each of `n` images is drawn in n draws with replacement.
    static func multinomialCounts(_ n: Int, _ rng: inout SeededRandom) -> [Int32] {
        var w = [Int32](repeating: 0, count: n)
        for _ in 0..<n { w[uniformIndex(n, &rng)] += 1 }
        return w
    }

    /// Uniform in 0..<n without modulo bias (Lemire's multiply-and-reject).
    static func uniformIndex(_ n: Int, _ rng: inout SeededRandom) -> Int {
        let bound = UInt64(n)
        var m = rng.next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = rng.next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// Sorted-sample quantile with linear interpolation (numpy's default).
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let h = Double(sorted.count - 1) * q
        let i = Int(h.rounded(.down)), f = h - Double(i)
        return i + 1 < sorted.count ? sorted[i] + f * (sorted[i + 1] - sorted[i]) : sorted[i]
    }

    /// `body(0..<count)` on `threads` threads, results in index order; the first error wins.
    /// `progress` gets the number of results in, after each one.
    /// OpenBLAS is held to one thread meanwhile (process-wide, restored after): its own threads
    /// competing with the workers made two workers 2.5× slower than one, and its results depend
    /// in the last bits on its thread count, which must not leak into the resamples.
    static func parallelMap<T>(_ count: Int, threads: Int, progress: (@Sendable (Int) -> Void)? = nil,
                               _ body: @escaping (Int) throws -> T) throws -> [T] {
        let results = ResultSlots<T>(count)
        let workers = max(1, min(threads, count))
        let blasThreads = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(blasThreads) }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for i in stride(from: worker, to: count, by: workers) {
                do { results.set(i, .success(try body(i)), progress) } catch { results.set(i, .failure(error), progress) }
            }
        }
        return try results.values()
    }
}

/// Per-index results written by several threads (each index by one).
private final class ResultSlots<T>: @unchecked Sendable {
    private var slots: [Result<T, Error>?]
    private var done = 0
    private let lock = NSLock()

    init(_ count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ r: Result<T, Error>, _ progress: (@Sendable (Int) -> Void)?) {
        lock.lock()
        slots[i] = r
        done += 1
        progress?(done)
        lock.unlock()
    }

    func values() throws -> [T] { try slots.map { try $0!.get() } }
}
