import Foundation
import Plugins
import Runtime
import XCTest

final class SegmentationTallyTests: XCTestCase {
    private let names = ["-", "a", "b"]
    // Three 4-pixel label maps: pixel counts [1,2,1], [0,4,0], [2,0,2], i.e. percent
    // [25,50,25], [0,100,0], [50,0,50]. By hand: mean [25, 50, 25]; deviations [0,0,0],
    // [−25,50,−25], [25,−50,25]; covariance / 2 → [[625,−1250,625],[−1250,2500,−1250],[625,−1250,625]].
    private let maps: [[Int32]] = [[0, 1, 1, 2], [1, 1, 1, 1], [0, 0, 2, 2]]
    private let handMean = [25.0, 50, 25]
    private let handCovariance = [625.0, -1250, 625, -1250, 2500, -1250, 625, -1250, 625]

    private func tally(_ acc: SegmentationTally.Accumulation, perImage: Bool = true, shard: (Int, Int)? = nil) throws -> SegmentationTally {
        try SegmentationTally(classNames: names, accumulation: acc, keepsPerImage: perImage,
                              provenance: .test(shard: shard.map { (index: $0.0, of: $0.1) }))
    }

    func testHandComputedMomentsFromLabelMaps() throws {
        for acc in [SegmentationTally.Accumulation.pixelCounts(pixelsPerImage: 4), .areaFractions] {
            var t = try tally(acc)
            for m in maps { try t.add(labels: m) }
            XCTAssertEqual(t.count, 3)
            let mean = try t.mean(), cov = try t.covariance()
            for i in 0..<3 { XCTAssertEqual(mean[i], handMean[i], accuracy: 1e-12, "\(acc)") }
            for i in 0..<9 { XCTAssertEqual(cov[i], handCovariance[i], accuracy: 1e-10, "\(acc) entry \(i)") }
            XCTAssertEqual(t.perImage, [25, 50, 25, 0, 100, 0, 50, 0, 50])
        }
        var counts = try tally(.pixelCounts(pixelsPerImage: 4))
        for m in maps { try counts.add(labels: m) }
        // Σ counts and Σ cᵢcⱼ by hand.
        XCTAssertEqual(counts.sumTensor().toArray(Int64.self), [3, 6, 3])
        XCTAssertEqual(counts.productTensor().toArray(Int64.self), [5, 2, 5, 2, 20, 2, 5, 2, 5])
    }

    func testAreaVectorsMatchLabelMaps() throws {
        var fromAreas = try tally(.areaFractions)
        for a in [[0.25, 0.5, 0.25], [0, 1, 0], [0.5, 0, 0.5]] { try fromAreas.add(areas: a) }
        let cov = try fromAreas.covariance()
        for i in 0..<9 { XCTAssertEqual(cov[i], handCovariance[i], accuracy: 1e-10) }
    }

    func testSegmentationOutputIsAccepted() throws {
        var t = try tally(.pixelCounts(pixelsPerImage: 4))
        let scores = Tensor(zeros: [3, 2, 2])
        try t.add(Segmentation(classNames: names, labels: [0, 1, 1, 2], scores: scores))
        XCTAssertEqual(try t.mean(), [25, 50, 25])
        let other = try Segmentation(classNames: ["x", "y", "z"], labels: [0, 1, 1, 2], scores: scores)
        XCTAssertThrowsError(try t.add(other))
    }

    /// Shards merged in any given order (merged(_:) puts them in shard order) are bit-identical
    /// to one sequential run: pixel-count sums are exact integers.
    func testShardMergeIsBitIdenticalToOneRun() throws {
        let scenes = SyntheticScenes(classes: 60, active: 15)
        var rng = SeededRandom(seed: 7)
        let images = (0..<300).map { _ in scenes.labels(pixels: 256, &rng) }
        func make(_ shard: (Int, Int)?) throws -> SegmentationTally {
            try SegmentationTally(classNames: scenes.classNames, accumulation: .pixelCounts(pixelsPerImage: 256),
                                  keepsPerImage: true, provenance: .test(shard: shard.map { (index: $0.0, of: $0.1) }))
        }
        var single = try make(nil)
        for m in images { try single.add(labels: m) }
        var shards = try (0..<3).map { try make(($0, 3)) }
        for (i, m) in images.enumerated() { try shards[i / 100].add(labels: m) }
        let merged = try SegmentationTally.merged([shards[2], shards[0], shards[1]])
        XCTAssertEqual(merged.count, 300)
        XCTAssertEqual(merged.provenance.shards, TallyProvenance.Shards(count: 3, indices: [0, 1, 2]))
        XCTAssertEqual(merged.sumTensor().toArray(Int64.self), single.sumTensor().toArray(Int64.self))
        XCTAssertEqual(merged.productTensor().toArray(Int64.self), single.productTensor().toArray(Int64.self))
        XCTAssertEqual(merged.perImage, single.perImage)
        XCTAssertEqual(try merged.covariance(), try single.covariance())
        XCTAssertEqual(try merged.mean(), try single.mean())
        // Merging a shard twice is refused.
        var twice = shards[0]
        XCTAssertThrowsError(try twice.merge(shards[0])) { XCTAssertTrue("\($0)".contains("in both tallies"), "\($0)") }
    }

    /// Float64 area sums: a merge equals one run up to rounding only.
    func testAreaMergeMatchesOneRunToRounding() throws {
        let scenes = SyntheticScenes(classes: 30, active: 10)
        var rng = SeededRandom(seed: 3)
        let areas = (0..<200).map { _ in scenes.areas(&rng) }
        var single = try SegmentationTally(classNames: scenes.classNames, accumulation: .areaFractions, provenance: .test())
        var a = single, b = single
        for (i, v) in areas.enumerated() {
            try single.add(areas: v)
            if i < 77 { try a.add(areas: v) } else { try b.add(areas: v) }
        }
        try a.merge(b)
        let c1 = try single.covariance(), c2 = try a.covariance()
        let scale = c1.map(abs).max()!
        for i in c1.indices { XCTAssertEqual(c1[i], c2[i], accuracy: 1e-12 * scale) }
    }

    func testBadInputsGiveClearErrors() throws {
        func expect(_ fragment: String, _ body: () throws -> Void) {
            XCTAssertThrowsError(try body()) { XCTAssertTrue("\($0)".contains(fragment), "'\($0)' lacks '\(fragment)'") }
        }
        var counts = try tally(.pixelCounts(pixelsPerImage: 4))
        expect("has 3 pixels") { try counts.add(labels: [0, 1, 2] as [Int32]) }
        expect("label 3 at pixel 1") { try counts.add(labels: [0, 3, 1, 1] as [Int32]) }
        expect("label -1 at pixel 0") { try counts.add(labels: [-1, 0, 1, 1] as [Int32]) }
        expect("area vectors need") { try counts.add(areas: [1, 0, 0]) }
        XCTAssertEqual(counts.count, 0)
        // A rejected label map leaves the tally unchanged.
        try counts.add(labels: maps[0])
        XCTAssertEqual(counts.sumTensor().toArray(Int64.self), [1, 2, 1])
        expect("at least 2 images") { _ = try counts.covariance() }
        expect("no class names") { _ = try SegmentationTally(classNames: [], accumulation: .areaFractions, provenance: .test()) }

        var areas = try tally(.areaFractions)
        expect("at least 1 image") { _ = try areas.mean() }
        expect("label 7 at pixel 5") { try areas.add(labels: [0, 1, 2, 1, 0, 7] as [Int32]) }
        try areas.add(labels: [0, 1, 2, 1, 0, 2] as [Int32]) // any size; nothing left over from the rejected map
        for m in try areas.mean() { XCTAssertEqual(m, 100.0 / 3, accuracy: 1e-12) }
        expect("is nan") { try areas.add(areas: [.nan, 0.5, 0.5]) }
        expect("fractions in [0, 1]") { try areas.add(areas: [0, 50, 50]) }
        expect("3 classes") { try areas.add(areas: [1, 0]) }

        var other = try SegmentationTally(classNames: ["-", "a", "c"], accumulation: .pixelCounts(pixelsPerImage: 4), provenance: .test())
        expect("class 2 is 'b' vs 'c'") { try counts.merge(other) }
        other = try SegmentationTally(classNames: ["-", "a"], accumulation: .pixelCounts(pixelsPerImage: 4), provenance: .test())
        expect("3 and 2 classes") { try counts.merge(other) }
        expect("cannot merge a pixelCounts") { try counts.merge(try tally(.pixelCounts(pixelsPerImage: 8))) }
        expect("per-image") { try counts.merge(try tally(.pixelCounts(pixelsPerImage: 4), perImage: false)) }
        let elsewhere = try SegmentationTally(classNames: names, accumulation: .pixelCounts(pixelsPerImage: 4),
                                              keepsPerImage: true, provenance: .test(source: "elsewhere"))
        expect("different sources") { try counts.merge(elsewhere) }
        expect("sharded tally with an unsharded") { try counts.merge(try tally(.pixelCounts(pixelsPerImage: 4), shard: (1, 2))) }
    }
}
