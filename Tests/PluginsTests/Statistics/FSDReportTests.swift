import Foundation
import Plugins
import Runtime
import XCTest

/// Known answers on synthetic segmentations: a "generated" set whose class 3 covers half its
/// real area, and a second real sample.
final class FSDReportTests: XCTestCase {
    private static let real = SyntheticScenes(classes: 40, active: 25)
    private static let halvedClass = 1 + 2 * 39 / 25
    private static var halved: SyntheticScenes {
        var s = real
        s.scale[halvedClass] *= 0.5
        return s
    }

    private func options(resamples: Int) -> FSDReport.Options {
        var o = FSDReport.Options()
        o.resamples = resamples
        return o
    }

    func testHalvedClassIsTheOnlySignificantOneAndFSDSeparatesTheSets() throws {
        let a = try Self.real.tally(images: 2000, pixels: 1024, seed: 1)
        let a2 = try Self.real.tally(images: 2000, pixels: 1024, seed: 2)
        let b = try Self.halved.tally(images: 2000, pixels: 1024, seed: 3)
        let diff = try FSDReport(real: a, generated: b, options: options(resamples: 60))
        let same = try FSDReport(real: a, generated: a2, options: options(resamples: 60))
        let di = try XCTUnwrap(diff.interval), si = try XCTUnwrap(same.interval)
        print("FSD(A,B) \(diff.fsd.total) percentile [\(di.lower), \(di.upper)] basic [\(di.basicLower), \(di.basicUpper)]")
        print("FSD(A,A') \(same.fsd.total) percentile [\(si.lower), \(si.upper)] basic [\(si.basicLower), \(si.basicUpper)]")
        print("self-distances A \(diff.realSelfDistance!.total) B \(diff.generatedSelfDistance!.total) A' \(same.generatedSelfDistance!.total)")

        let flagged = diff.classes.filter(\.significant)
        XCTAssertEqual(flagged.map(\.index), [Self.halvedClass])
        XCTAssertEqual(flagged.first?.direction, "under")
        XCTAssertEqual(flagged.first?.relativeDifference ?? 0, -0.5, accuracy: 0.1)
        XCTAssertEqual(same.classes.filter(\.significant).count, 0)

        // Two samples of one distribution: the basic interval covers 0; the halved class's
        // interval lies above every same-distribution figure.
        XCTAssertLessThanOrEqual(si.basicLower, 0)
        XCTAssertGreaterThan(di.lower, 0)
        XCTAssertGreaterThan(di.basicLower, si.upper)
        XCTAssertGreaterThan(di.basicLower, diff.realSelfDistance!.total)
        XCTAssertLessThanOrEqual(di.lower, diff.fsd.total * 1.5)
        XCTAssertGreaterThanOrEqual(di.upper, diff.fsd.total)
    }

    /// The self-distance is FSD between tallies built from the two halves (sparse rows for many
    /// classes with few per image, dense rows otherwise).
    func testSelfDistanceEqualsFSDOfTheTwoHalves() throws {
        let sparse = try SyntheticScenes(classes: 336, active: 150).tally(images: 300, pixels: 1024, seed: 4)
        let fewClasses = try Self.real.tally(images: 300, pixels: 1024, seed: 4)
        var dense = try SegmentationTally(classNames: (0..<12).map { "c\($0)" }, accumulation: .areaFractions, keepsPerImage: true, provenance: .test())
        var rng = SeededRandom(seed: 9)
        for _ in 0..<301 { try dense.add(areas: (0..<12).map { _ in 0.02 + 0.06 * rng.uniform() }) }
        for t in [sparse, fewClasses, dense] {
            let (first, second) = try FSDBootstrap.halves(count: t.count, seed: 5)
            XCTAssertEqual(Set(first).intersection(second).count, 0)
            var h1 = try SegmentationTally(classNames: t.classNames, accumulation: .areaFractions, provenance: .test()), h2 = h1
            let k = t.classCount
            for i in first { try h1.add(areas: (0..<k).map { t.perImage[i * k + $0] / 100 }) }
            for i in second { try h2.add(areas: (0..<k).map { t.perImage[i * k + $0] / 100 }) }
            let expected = try FrechetDistance.between(h1.moments(), h2.moments())
            let got = try FSDBootstrap.selfDistance(t, seed: 5)
            XCTAssertEqual(got.total, expected.total, accuracy: 1e-9 * expected.total)
            XCTAssertEqual(got.meanPart, expected.meanPart, accuracy: 1e-9 * expected.total)
        }
    }

    /// A resample's FSD is FSD between tallies holding each image as often as it was drawn
    /// (sparse label-map rows and dense area rows).
    func testResamplesAreFSDsOfTheDrawnImages() throws {
        var dense = try SegmentationTally(classNames: (0..<12).map { "c\($0)" }, accumulation: .areaFractions, keepsPerImage: true, provenance: .test())
        var rng = SeededRandom(seed: 9)
        for _ in 0..<150 { try dense.add(areas: (0..<12).map { _ in 0.02 + 0.06 * rng.uniform() }) }
        var dense2 = dense
        for _ in 0..<30 { try dense2.add(areas: (0..<12).map { _ in 0.01 + 0.05 * rng.uniform() }) }
        // Many classes, ~8 per image: sparse rows; 40 classes: dense rows; dense areas: dense rows.
        let many = SyntheticScenes(classes: 336, active: 150)
        let pairs = [(try many.tally(images: 200, pixels: 256, seed: 1), try many.tally(images: 150, pixels: 256, seed: 2)),
                     (try Self.real.tally(images: 200, pixels: 256, seed: 1), try Self.halved.tally(images: 150, pixels: 256, seed: 2)),
                     (dense, dense2)]
        for (a, b) in pairs {
            let interval = try FSDBootstrap.interval(real: a, generated: b, resamples: 3, seed: 8, threads: 2)
            for resample in 0..<3 {
                let (w1, w2) = FSDBootstrap.resampleWeights(realCount: a.count, generatedCount: b.count, seed: 8, resample: resample)
                XCTAssertEqual(w1.reduce(0, +), Int32(a.count))
                XCTAssertEqual(w2.reduce(0, +), Int32(b.count))
                func drawn(_ t: SegmentationTally, _ w: [Int32]) throws -> SegmentationTally {
                    var out = try SegmentationTally(classNames: t.classNames, accumulation: .areaFractions, provenance: .test())
                    let k = t.classCount
                    for (i, n) in w.enumerated() where n > 0 {
                        for _ in 0..<n { try out.add(areas: (0..<k).map { t.perImage[i * k + $0] / 100 }) }
                    }
                    return out
                }
                let expected = try FrechetDistance.between(drawn(a, w1).moments(), drawn(b, w2).moments()).total
                XCTAssertEqual(interval.samples[resample], expected, accuracy: 1e-9 * expected)
            }
        }
    }

    func testBootstrapDoesNotDependOnThreadCount() throws {
        let a = try Self.real.tally(images: 200, pixels: 256, seed: 1), b = try Self.halved.tally(images: 150, pixels: 256, seed: 2)
        let one = try FSDBootstrap.interval(real: a, generated: b, resamples: 20, seed: 3, threads: 1)
        let two = try FSDBootstrap.interval(real: a, generated: b, resamples: 20, seed: 3, threads: 2)
        XCTAssertEqual(one, two)
        let other = try FSDBootstrap.interval(real: a, generated: b, resamples: 20, seed: 4, threads: 2)
        XCTAssertNotEqual(one.lower, other.lower)
    }

    func testResamplingNeedsPerImageVectors() throws {
        let a = try Self.real.tally(images: 20, pixels: 64, seed: 1, perImage: false)
        XCTAssertThrowsError(try FSDReport(real: a, generated: a)) { XCTAssertTrue("\($0)".contains("keepsPerImage"), "\($0)") }
        var o = options(resamples: 0)
        o.selfDistances = false
        XCTAssertEqual(try FSDReport(real: a, generated: a, options: o).fsd.meanPart, 0)
    }

    func testWritersKeepOrderAndFlagClassZero() throws {
        let a = try Self.real.tally(images: 300, pixels: 256, seed: 1), b = try Self.halved.tally(images: 300, pixels: 256, seed: 2)
        var o = options(resamples: 10)
        o.threads = 1
        let report = try FSDReport(real: a, generated: b, options: o)
        let means = report.classes.map(\.realMean)
        XCTAssertEqual(means, means.sorted(by: >))
        XCTAssertEqual(report.classes.first?.index, 0, "class 0 covers most of each image")
        XCTAssertTrue(report.classes[0].excluded)
        XCTAssertNil(report.classes[0].q)
        XCTAssertEqual(report.classes.count, 40)

        let dir = try StatisticsTestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try report.writeJSON(to: dir + "/r.json")
        try report.writeCSV(to: dir + "/r.csv")
        let back = try JSONDecoder().decode(FSDReport.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/r.json")))
        XCTAssertEqual(back, report)
        let lines = try String(contentsOfFile: dir + "/r.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 41)
        XCTAssertTrue(lines[0].hasPrefix("index,name,real_mean_percent"))
        XCTAssertTrue(lines[1].hasPrefix("0,-,"))
        XCTAssertTrue(lines[1].hasSuffix(",false,,true"))
        let absent = try XCTUnwrap(report.classes.first { $0.realMean == 0 })
        XCTAssertNil(absent.relativeDifference)
        XCTAssertEqual(FSDReport.csvField("a, \"b\""), "\"a, \"\"b\"\"\"")
    }
}
