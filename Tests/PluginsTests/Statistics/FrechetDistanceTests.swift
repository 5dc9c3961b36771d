import Foundation
import Plugins
import Runtime
import XCTest

/// FSD against the original's formula in numpy/scipy (np.cov, scipy.linalg.sqrtm of Σ₁Σ₂).
final class FrechetDistanceTests: XCTestCase {
    /// Dense, correlated, full-rank areas: class c covers (0.2 + u_c + 0.5·u_{c+1}) · w_c / (2K).
    private func denseTally(classes k: Int, images: Int, seed: UInt64, weight: (Int) -> Double) throws -> SegmentationTally {
        var t = try SegmentationTally(classNames: (0..<k).map { "c\($0)" }, accumulation: .areaFractions, keepsPerImage: true,
                                      provenance: .test(seed: seed))
        var rng = SeededRandom(seed: seed)
        for _ in 0..<images {
            let u = (0..<k).map { _ in rng.uniform() }
            try t.add(areas: (0..<k).map { c in (0.2 + u[c] + 0.5 * u[(c + 1) % k]) * weight(c) / Double(2 * k) })
        }
        return t
    }

    private func assertMatchesScipy(_ a: SegmentationTally, _ b: SegmentationTally, file: StaticString = #filePath, line: UInt = #line) throws {
        let mine = try FrechetDistance.between(a.moments(), b.moments())
        let ref = try StatisticsReference.run("fsd", real: a, generated: b)
        let total = try XCTUnwrap(ref["total"] as? Double), meanPart = try XCTUnwrap(ref["mean"] as? Double)
        let covPart = try XCTUnwrap(ref["covariance"] as? Double)
        print("FSD \(mine.total) (mean \(mine.meanPart), covariance \(mine.covariancePart)); scipy \(total); relative error \(abs(mine.total - total) / total)")
        XCTAssertEqual(mine.total, total, accuracy: 1e-6 * total, file: file, line: line)
        XCTAssertEqual(mine.meanPart, meanPart, accuracy: 1e-6 * total, file: file, line: line)
        XCTAssertEqual(mine.covariancePart, covPart, accuracy: 1e-6 * total, file: file, line: line)
        XCTAssertEqual(mine.total, mine.meanPart + mine.covariancePart)
    }

    func testFullRankCovariancesMatchScipy() throws {
        let a = try denseTally(classes: 30, images: 400, seed: 1) { _ in 1 }
        let b = try denseTally(classes: 30, images: 300, seed: 2) { 0.6 + 0.03 * Double($0) }
        try assertMatchesScipy(a, b)
    }

    /// 336 classes of which 20 ever appear: both covariances have rank ≤ 20.
    func testMostlyAbsentClassesMatchScipy() throws {
        let real = SyntheticScenes(classes: 336, active: 20)
        var generated = real
        for c in stride(from: 1, to: 336, by: 7) { generated.scale[c] *= 0.7 }
        try assertMatchesScipy(try real.tally(images: 500, pixels: 1024, seed: 1), try generated.tally(images: 400, pixels: 1024, seed: 2))
    }

    /// 12 images of 20 classes: Σ₁ is singular even on the classes that occur.
    func testFewerImagesThanClassesMatchScipy() throws {
        let scenes = SyntheticScenes(classes: 336, active: 20, areaScale: 0.03)
        try assertMatchesScipy(try scenes.tally(images: 12, pixels: 1024, seed: 5), try scenes.tally(images: 400, pixels: 1024, seed: 6))
    }

    func testIdenticalSetsAreAtDistanceZero() throws {
        let scenes = SyntheticScenes(classes: 336, active: 20)
        for t in [try denseTally(classes: 30, images: 400, seed: 1) { _ in 1 },
                  try scenes.tally(images: 500, pixels: 1024, seed: 1), try scenes.tally(images: 12, pixels: 1024, seed: 3)] {
            let m = try t.moments()
            let d = try FrechetDistance.between(m, m)
            let scale = m.variances.reduce(0, +)
            print("FSD(set, itself) = \(d.total), trace \(scale)")
            XCTAssertEqual(d.meanPart, 0)
            XCTAssertLessThanOrEqual(abs(d.total), 1e-9 * scale)
        }
    }

    func testMismatchedOrInvalidMomentsAreRejected() throws {
        let m = try SegmentationMoments(classNames: ["a", "b"], count: 5, mean: [1, 2], covariance: [1, 0, 0, 1])
        let other = try SegmentationMoments(classNames: ["a", "c"], count: 5, mean: [1, 2], covariance: [1, 0, 0, 1])
        XCTAssertThrowsError(try FrechetDistance.between(m, other)) { XCTAssertTrue("\($0)".contains("'b'"), "\($0)") }
        let three = try SegmentationMoments(classNames: ["a", "b", "c"], count: 5, mean: [1, 2, 3], covariance: [1, 0, 0, 0, 1, 0, 0, 0, 1])
        XCTAssertThrowsError(try FrechetDistance.between(m, three)) { XCTAssertTrue("\($0)".contains("2 and 3 classes"), "\($0)") }
        XCTAssertThrowsError(try SegmentationMoments(classNames: ["a", "b"], count: 5, mean: [.nan, 2], covariance: [1, 0, 0, 1]))
        XCTAssertThrowsError(try SegmentationMoments(classNames: ["a", "b"], count: 5, mean: [1, 2], covariance: [1, 0.5, 0, 1]))
        XCTAssertThrowsError(try SegmentationMoments(classNames: ["a", "b"], count: 1, mean: [1, 2], covariance: [1, 0, 0, 1]))
    }

    /// A hand-derivable case: diagonal covariances commute, so tr(Σ₁Σ₂)^½ = Σ √(aᵢbᵢ):
    /// Σ₁ = diag(4, 9, 0), Σ₂ = diag(1, 4, 0): traces 13 + 5, root trace 2 + 6 = 8 → 18 − 16 = 2;
    /// means (1,0,0) vs (0,0,2): 1 + 4 = 5.
    func testDiagonalCaseByHand() throws {
        let a = try SegmentationMoments(classNames: ["a", "b", "c"], count: 9, mean: [1, 0, 0], covariance: [4, 0, 0, 0, 9, 0, 0, 0, 0])
        let b = try SegmentationMoments(classNames: ["a", "b", "c"], count: 9, mean: [0, 0, 2], covariance: [1, 0, 0, 0, 4, 0, 0, 0, 0])
        let d = try FrechetDistance.between(a, b)
        XCTAssertEqual(d.meanPart, 5)
        XCTAssertEqual(d.covariancePart, 2, accuracy: 1e-13)
        XCTAssertEqual(d.total, 7, accuracy: 1e-13)
    }
}
