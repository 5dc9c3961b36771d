import Foundation
import Plugins
import Runtime

/// Seeded synthetic segmentations: class c ≥ 1 appears in an image with probability
/// `presence[c]` and then covers `scale[c]`·U(0.5, 1.5) of it; class 0 ('-') takes the rest, so
/// changing one class's areas changes no other tested class.
struct SyntheticScenes {
    var presence: [Double]
    var scale: [Double]

    var classCount: Int { presence.count }
    var classNames: [String] { (0..<classCount).map { $0 == 0 ? "-" : "class\($0)" } }

    /// `classes` classes, of which only `active` (1..<classes, spread out) ever appear; popularity
    /// falls geometrically.
    init(classes: Int, active: Int, areaScale: Double = 0.02) {
        presence = [Double](repeating: 0, count: classes)
        scale = [Double](repeating: 0, count: classes)
        presence[0] = 1
        for a in 0..<active {
            let c = 1 + a * (classes - 1) / active
            presence[c] = 0.7 * pow(0.9, Double(a))
            scale[c] = areaScale * (1 + Double(a % 3))
        }
    }

    /// Area fractions of one image.
    func areas(_ rng: inout SeededRandom) -> [Double] {
        var f = [Double](repeating: 0, count: classCount)
        var used = 0.0
        for c in 1..<classCount where scale[c] > 0 && rng.uniform() < presence[c] {
            let a = scale[c] * (0.5 + rng.uniform())
            if used + a <= 1 {
                f[c] = a
                used += a
            }
        }
        f[0] = 1 - used
        return f
    }

    /// A label map of `pixels` pixels with (rounded) those areas, class 0 filling the rest.
    func labels(pixels: Int, _ rng: inout SeededRandom) -> [Int32] {
        let f = areas(&rng)
        var out: [Int32] = []
        out.reserveCapacity(pixels)
        for c in 1..<classCount where f[c] > 0 {
            out += repeatElement(Int32(c), count: min(Int((f[c] * Double(pixels)).rounded()), pixels - out.count))
        }
        out += repeatElement(0, count: pixels - out.count)
        return out
    }

    func tally(images: Int, pixels: Int, seed: UInt64, perImage: Bool = true, source: String = "synthetic") throws -> SegmentationTally {
        var t = try SegmentationTally(classNames: classNames, accumulation: .pixelCounts(pixelsPerImage: pixels),
                                      keepsPerImage: perImage, provenance: .test(source: source, seed: seed))
        var rng = SeededRandom(seed: seed)
        for _ in 0..<images { try t.add(labels: labels(pixels: pixels, &rng)) }
        return t
    }
}

extension TallyProvenance {
    static func test(source: String = "synthetic", seed: UInt64? = nil, shard: (index: Int, of: Int)? = nil) -> TallyProvenance {
        TallyProvenance(segmenter: "test-segmenter", preprocessing: "none", source: source, seed: seed, shard: shard)
    }
}

enum StatisticsTestFiles {
    static func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seeing-stats-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
