import Runtime

extension SegmentationTally {
    /// Per-class mean area in percent.
    public func mean() throws -> [Double] {
        guard count >= 1 else { throw RuntimeError(.badInput, "segmentation tally: the mean needs at least 1 image, the tally has none") }
        switch accumulation {
        case .pixelCounts(let pixels):
            let scale = 100 / (Double(count) * Double(pixels))
            return countSums.map { Double($0) * scale }
        case .areaFractions:
            return percentSums.map { $0 / Double(count) }
        }
    }

    /// Unbiased (N − 1) covariance in percent², classes × classes row-major. For pixel counts,
    /// N·Σxy − Σx·Σy is formed exactly in 128-bit integers, so the only rounding is the final
    /// conversion and scaling; for area fractions it is (Σxy − Σx·Σy/N) / (N − 1) in float64.
    public func covariance() throws -> [Double] {
        guard count >= 2 else {
            throw RuntimeError(.badInput, "segmentation tally: a covariance needs at least 2 images, the tally has \(count)")
        }
        let k = classCount, n = Double(count)
        var cov = [Double](repeating: 0, count: k * k)
        switch accumulation {
        case .pixelCounts(let pixels):
            let p = Double(pixels)
            let scale = 1e4 / (p * p) / (n * (n - 1))
            let bigN = Int64(count)
            for i in 0..<k {
                for j in i..<k {
                    let v = exactDifference(bigN, countProducts[i * k + j], countSums[i], countSums[j]) * scale
                    cov[i * k + j] = v
                    cov[j * k + i] = v
                }
            }
        case .areaFractions:
            for i in 0..<k {
                for j in i..<k {
                    let v = (percentProducts[i * k + j] - percentSums[i] * percentSums[j] / n) / (n - 1)
                    cov[i * k + j] = v
                    cov[j * k + i] = v
                }
            }
        }
        return cov
    }

    public func moments() throws -> SegmentationMoments {
        try SegmentationMoments(classNames: classNames, count: count, mean: mean(), covariance: covariance())
    }

    /// Per-class sums as stored: Int64 pixel counts or float64 percent, [classes].
    public func sumTensor() -> Tensor {
        switch accumulation {
        case .pixelCounts: return Tensor(shape: [classCount], values: countSums)
        case .areaFractions: return Tensor(shape: [classCount], values: percentSums)
        }
    }

    /// Sums of products as stored (Int64 pixel counts² or float64 percent²), [classes, classes], symmetric.
    public func productTensor() -> Tensor {
        switch accumulation {
        case .pixelCounts: return Tensor(shape: [classCount, classCount], values: symmetrised(countProducts))
        case .areaFractions: return Tensor(shape: [classCount, classCount], values: symmetrised(percentProducts))
        }
    }

    /// The per-image areas in percent, [count, classes] (nil unless kept).
    public func perImageTensor() -> Tensor? {
        keepsPerImage ? Tensor(shape: [count, classCount], values: perImage) : nil
    }

    /// Upper triangle mirrored into the lower one.
    private func symmetrised<T>(_ upper: [T]) -> [T] {
        let k = classCount
        var full = upper
        for i in 0..<k { for j in 0..<i { full[i * k + j] = upper[j * k + i] } }
        return full
    }

    // MARK: merging

    /// Adds `other`'s images after this tally's: classes, accumulation and per-image keeping must
    /// match, and the provenance must agree except for disjoint shards.
    public mutating func merge(_ other: SegmentationTally) throws {
        guard other.classCount == classCount else {
            throw RuntimeError(.badInput, "cannot merge tallies of \(classCount) and \(other.classCount) classes")
        }
        if let c = (0..<classCount).first(where: { classNames[$0] != other.classNames[$0] }) {
            throw RuntimeError(.badInput, "cannot merge tallies with different class names: class \(c) is '\(classNames[c])' vs '\(other.classNames[c])'")
        }
        guard other.accumulation == accumulation else {
            throw RuntimeError(.badInput, "cannot merge a \(accumulation) tally with a \(other.accumulation) tally")
        }
        guard other.keepsPerImage == keepsPerImage else {
            throw RuntimeError(.badInput, "cannot merge a tally that keeps per-image vectors with one that does not")
        }
        let merged = try provenance.merged(with: other.provenance)
        guard count <= capacity - other.count else {
            throw RuntimeError(.badInput, "merged tally would hold \(count + other.count) images; at most \(capacity) fit in Int64 sums")
        }
        switch accumulation {
        case .pixelCounts:
            for i in countSums.indices { countSums[i] += other.countSums[i] }
            for i in countProducts.indices { countProducts[i] += other.countProducts[i] }
        case .areaFractions:
            for i in percentSums.indices { percentSums[i] += other.percentSums[i] }
            for i in percentProducts.indices { percentProducts[i] += other.percentProducts[i] }
        }
        perImage += other.perImage
        count += other.count
        provenance = merged
    }

    /// Merges shard tallies in shard-index order (the given order when any lacks shard numbers),
    /// so per-image rows come out in the order of a single run over all shards.
    public static func merged(_ tallies: [SegmentationTally]) throws -> SegmentationTally {
        var ordered = tallies
        if tallies.allSatisfy({ $0.provenance.shards != nil }) {
            ordered.sort { $0.provenance.shards!.indices[0] < $1.provenance.shards!.indices[0] }
        }
        guard var result = ordered.first else { throw RuntimeError(.badInput, "no tallies to merge") }
        for t in ordered.dropFirst() { try result.merge(t) }
        return result
    }
}

/// a·b − c·d: formed exactly in 128 bits, then converted to float64 (within one unit in the
/// last place), so no cancellation error.
func exactDifference(_ a: Int64, _ b: Int64, _ c: Int64, _ d: Int64) -> Double {
    let x = a.multipliedFullWidth(by: b), y = c.multipliedFullWidth(by: d)
    var low = x.low &- y.low
    var high = x.high &- y.high &- (x.low < y.low ? 1 : 0)
    let negative = high < 0
    if negative { // two's complement negation of the 128-bit value
        low = ~low &+ 1
        high = ~high &+ (low == 0 ? 1 : 0)
    }
    let magnitude = Double(UInt64(bitPattern: high)) * 0x1p64 + Double(low)
    return negative ? -magnitude : magnitude
}
