import Runtime

/// Streaming sufficient statistics of per-image class areas in percent of the image (the
/// original's FSD input: bincount / (H·W) × 100): the image count, per-class sums and the
/// class × class sums of products; optionally every image's area vector (for the bootstrap and
/// the self-distance). Memory does not grow with the image count unless per-image vectors are kept.
///
/// Two ways to accumulate, chosen at creation:
/// - `.pixelCounts(pixelsPerImage:)`: label maps of exactly that many pixels, tallied as integer
///   pixel counts in Int64. Every sum is exact, so adding images in any order, in any chunks, and
///   merging shard tallies in any order give bit-identical sums; the statistics are converted to
///   percent once, when asked for. This is the mode for segmenter output at a fixed size.
/// - `.areaFractions`: area fractions (any image size, soft areas) summed in float64 as
///   percent. Merging equals a single run only up to float64 rounding (sums are associative only
///   up to rounding), so a single run and merged shards agree to rounding, not bit for bit.
/// Per-image vectors are kept in the order images were added and merged, so merging shards in
/// index order (`merged(_:)` does) gives the same rows, in the same order, as a single run.
public struct SegmentationTally {
    public enum Accumulation: Equatable, Sendable {
        /// Label maps of exactly this many pixels, as exact integer pixel counts.
        case pixelCounts(pixelsPerImage: Int)
        /// Area fractions of any image size, as float64 percent.
        case areaFractions
    }

    public let classNames: [String]
    public let accumulation: Accumulation
    public let keepsPerImage: Bool
    public internal(set) var provenance: TallyProvenance
    public internal(set) var count = 0

    // .pixelCounts: pixel sums and sums of products of pixel counts, upper triangle (i ≤ j) only.
    var countSums: [Int64] = []
    var countProducts: [Int64] = []
    // .areaFractions: percent sums and sums of products, upper triangle only.
    var percentSums: [Double] = []
    var percentProducts: [Double] = []
    /// count × classes percent areas, row-major; empty unless `keepsPerImage`.
    public internal(set) var perImage: [Double] = []

    // One image's scratch (bincount, nonzero classes), reused so that adding allocates nothing.
    private var histogram: [Int64]
    private var partialHistograms: [Int32]
    private var nonzero: [Int]
    private var values: [Double]

    public var classCount: Int { classNames.count }

    public init(classNames: [String], accumulation: Accumulation, keepsPerImage: Bool = false,
                provenance: TallyProvenance) throws {
        guard !classNames.isEmpty else { throw RuntimeError(.badInput, "segmentation tally: no class names") }
        if case .pixelCounts(let p) = accumulation, !(1...(1 << 31)).contains(p) {
            throw RuntimeError(.badInput, "segmentation tally: pixelsPerImage must be in 1...2^31, got \(p)")
        }
        try provenance.validate()
        self.classNames = classNames
        self.accumulation = accumulation
        self.keepsPerImage = keepsPerImage
        self.provenance = provenance
        let k = classNames.count
        switch accumulation {
        case .pixelCounts:
            countSums = [Int64](repeating: 0, count: k)
            countProducts = [Int64](repeating: 0, count: k * k)
        case .areaFractions:
            percentSums = [Double](repeating: 0, count: k)
            percentProducts = [Double](repeating: 0, count: k * k)
        }
        histogram = [Int64](repeating: 0, count: k)
        partialHistograms = [Int32](repeating: 0, count: 4 * k)
        nonzero = [Int](repeating: 0, count: k)
        values = [Double](repeating: 0, count: k)
    }

    /// The most images a pixel-count tally holds before a sum of products could overflow Int64
    /// (every entry is at most count · pixels²): 2.1 billion images of 256×256.
    public var capacity: Int {
        guard case .pixelCounts(let p) = accumulation else { return Int.max }
        return Int(Int64.max / (Int64(p) * Int64(p)))
    }

    // MARK: adding images

    /// Adds one image's label map (class index per pixel).
    public mutating func add(labels: UnsafeBufferPointer<Int32>) throws { try addLabels(labels) }
    public mutating func add(labels: [Int32]) throws { try labels.withUnsafeBufferPointer { try addLabels($0) } }
    public mutating func add(labels: [UInt8]) throws { try labels.withUnsafeBufferPointer { try addLabels($0) } }
    public mutating func add(labels: [UInt16]) throws { try labels.withUnsafeBufferPointer { try addLabels($0) } }

    /// Adds a segmenter's output; its class names must be the tally's.
    public mutating func add(_ segmentation: Segmentation) throws {
        guard segmentation.classNames == classNames else {
            throw RuntimeError(.badInput, "segmentation has \(segmentation.classNames.count) classes \(segmentation.classNames.prefix(3))…, the tally \(classNames.count) classes \(classNames.prefix(3))…")
        }
        try add(labels: segmentation.labels)
    }

    /// Adds one image's area fractions (per class, in [0, 1], like `Segmentation.areas`); only
    /// for an `.areaFractions` tally.
    public mutating func add(areas: [Double]) throws {
        guard accumulation == .areaFractions else {
            throw RuntimeError(.badInput, "this tally counts label-map pixels exactly; area vectors need an .areaFractions tally")
        }
        guard areas.count == classCount else {
            throw RuntimeError(.badInput, "area vector has \(areas.count) entries, the tally has \(classCount) classes")
        }
        var nnz = 0
        for (c, a) in areas.enumerated() {
            guard a.isFinite, a >= 0, a <= 1 + 1e-6 else {
                throw RuntimeError(.badInput, "area of class \(c) '\(classNames[c])' is \(a); areas are fractions in [0, 1]")
            }
            if a > 0 {
                nonzero[nnz] = c
                values[nnz] = a * 100
                nnz += 1
            }
        }
        accumulatePercent(nnz)
        count += 1
    }

    private mutating func addLabels<L: FixedWidthInteger>(_ labels: UnsafeBufferPointer<L>) throws {
        let k = classCount, pixels = labels.count
        guard pixels > 0 else { throw RuntimeError(.badInput, "empty label map") }
        if case .pixelCounts(let expected) = accumulation {
            guard pixels == expected else {
                throw RuntimeError(.badInput, "label map has \(pixels) pixels; this tally counts images of \(expected) pixels (an .areaFractions tally takes any size)")
            }
            guard count < capacity else {
                throw RuntimeError(.badInput, "tally is full: \(capacity) images of \(expected) pixels is the most whose sums fit in Int64")
            }
        }
        if let i = bincount(labels) {
            throw RuntimeError(.badInput, "label \(labels[i]) at pixel \(i) is outside 0..<\(k) (the tally has \(k) classes)")
        }
        var nnz = 0
        for c in 0..<k where histogram[c] != 0 {
            nonzero[nnz] = c
            nnz += 1
        }
        switch accumulation {
        case .pixelCounts:
            accumulateCounts(nnz)
        case .areaFractions:
            for a in 0..<nnz { values[a] = Double(histogram[nonzero[a]]) / Double(pixels) * 100 }
            accumulatePercent(nnz)
        }
        count += 1
    }

    /// Counts labels into `histogram`; returns the first pixel whose label is out of range (and
    /// leaves `histogram` zero) instead. Four interleaved partial histograms let consecutive
    /// pixels of one class (regions) increment independent counters: ~4× faster on real maps.
    private mutating func bincount<L: FixedWidthInteger>(_ labels: UnsafeBufferPointer<L>) -> Int? {
        let k = classCount, pixels = labels.count
        let bad: Int? = partialHistograms.withUnsafeMutableBufferPointer { h in
            var i = 0
            while i + 4 <= pixels {
                let c0 = Int(truncatingIfNeeded: labels[i]), c1 = Int(truncatingIfNeeded: labels[i + 1])
                let c2 = Int(truncatingIfNeeded: labels[i + 2]), c3 = Int(truncatingIfNeeded: labels[i + 3])
                guard UInt(bitPattern: c0) < UInt(k), UInt(bitPattern: c1) < UInt(k),
                      UInt(bitPattern: c2) < UInt(k), UInt(bitPattern: c3) < UInt(k) else { break }
                h[c0] &+= 1
                h[k + c1] &+= 1
                h[2 * k + c2] &+= 1
                h[3 * k + c3] &+= 1
                i += 4
            }
            while i < pixels {
                let c = Int(truncatingIfNeeded: labels[i])
                guard UInt(bitPattern: c) < UInt(k) else { return i }
                h[c] &+= 1
                i += 1
            }
            return nil
        }
        for c in 0..<k {
            histogram[c] = bad == nil ? Int64(partialHistograms[c]) + Int64(partialHistograms[k + c])
                + Int64(partialHistograms[2 * k + c]) + Int64(partialHistograms[3 * k + c]) : 0
            for part in 0..<4 { partialHistograms[part * k + c] = 0 }
        }
        return bad
    }

    /// Sums and upper-triangle products of the `nnz` nonzero classes' pixel counts in
    /// `histogram` (only nonzero classes contribute: exact, and ~K²/nnz² times less work).
    private mutating func accumulateCounts(_ nnz: Int) {
        let k = classCount
        countSums.withUnsafeMutableBufferPointer { s in
            countProducts.withUnsafeMutableBufferPointer { p in
                histogram.withUnsafeBufferPointer { h in
                    nonzero.withUnsafeBufferPointer { nz in
                        for a in 0..<nnz {
                            let i = nz[a], hi = h[i], row = i * k
                            s[i] &+= hi
                            for b in a..<nnz { p[row + nz[b]] &+= hi &* h[nz[b]] }
                        }
                    }
                }
            }
        }
        if keepsPerImage {
            let pixels = Double(pixelsPerImage ?? 1)
            for a in 0..<nnz { values[a] = Double(histogram[nonzero[a]]) / pixels * 100 }
            appendRow(nnz)
        }
    }

    /// Float64 version for the `nnz` nonzero percent `values` of classes `nonzero`.
    private mutating func accumulatePercent(_ nnz: Int) {
        let k = classCount
        percentSums.withUnsafeMutableBufferPointer { s in
            percentProducts.withUnsafeMutableBufferPointer { p in
                values.withUnsafeBufferPointer { v in
                    nonzero.withUnsafeBufferPointer { nz in
                        for a in 0..<nnz {
                            let i = nz[a], vi = v[a], row = i * k
                            s[i] += vi
                            for b in a..<nnz { p[row + nz[b]] += vi * v[b] }
                        }
                    }
                }
            }
        }
        if keepsPerImage { appendRow(nnz) }
    }

    /// Appends the image's row: `values` of classes `nonzero`, zero elsewhere.
    private mutating func appendRow(_ nnz: Int) {
        let start = perImage.count
        perImage.append(contentsOf: repeatElement(0, count: classCount))
        for a in 0..<nnz { perImage[start + nonzero[a]] = values[a] }
    }

    var pixelsPerImage: Int? {
        if case .pixelCounts(let p) = accumulation { return p }
        return nil
    }
}
