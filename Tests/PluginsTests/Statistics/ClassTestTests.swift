import Foundation
import Plugins
import Runtime
import XCTest

/// Student-t tails, Benjamini–Hochberg, and the per-class Welch tests against scipy.
final class ClassTestTests: XCTestCase {
    /// Closed forms: df = 1 (Cauchy) p = (2/π)·atan(1/|t|); df = 2: p = 1 − |t|/s with
    /// s = √(2 + t²), i.e. 2 / (s(s + |t|)) without cancellation.
    func testStudentTAgainstClosedForms() {
        for t in [0.01, 0.5, 1, 1.7, 2, 3.5, 10, 1e3, 1e8] {
            let cauchy = 2 / Double.pi * atan(1 / t)
            XCTAssertEqual(StudentT.twoSidedP(t: t, df: 1), cauchy, accuracy: 1e-12 * cauchy, "df 1, t \(t)")
            XCTAssertEqual(StudentT.twoSidedP(t: -t, df: 1), cauchy, accuracy: 1e-12 * cauchy)
            let s = (2 + t * t).squareRoot()
            let two = 2 / (s * (s + t))
            XCTAssertEqual(StudentT.twoSidedP(t: t, df: 2), two, accuracy: 1e-12 * two, "df 2, t \(t)")
        }
        // I_{df/(df+t²)}(df/2, ½) with mpmath.betainc at 60 digits (non-integer, large and
        // deep-tail cases).
        let mpmath: [(t: Double, df: Double, p: Double)] = [
            (5, 1e8, 5.733041101267286e-7), (2, 1e8, 0.045500266595906753), (0.5, 1e8, 0.61707507855217794),
            (5, 1e4, 5.8303266136626473e-7), (30, 1e4, 2.0443270474255707e-189), (38, 2e4, 3.7927990684306227e-305),
            (1.2, 7.5, 0.26666892279322206), (4, 3.3, 0.023412152287569628),
        ]
        for c in mpmath {
            XCTAssertEqual(StudentT.twoSidedP(t: c.t, df: c.df), c.p, accuracy: 1e-9 * c.p, "t \(c.t), df \(c.df)")
        }
        XCTAssertEqual(StudentT.twoSidedP(t: 2, df: .infinity), erfc(2 / 2.squareRoot()))
        XCTAssertEqual(StudentT.twoSidedP(t: 0, df: 5), 1)
        XCTAssertEqual(StudentT.twoSidedP(t: .infinity, df: 5), 0)
        XCTAssertTrue(StudentT.twoSidedP(t: 1, df: 0).isNaN)
    }

    /// By hand: p = [0.01, 0.04, 0.03, 0.005], m = 4 → sorted p·m/rank = 0.02, 0.02, 0.04, 0.04,
    /// running minimum from the top → q = [0.02, 0.04, 0.04, 0.02].
    func testBenjaminiHochbergByHand() {
        let q = BenjaminiHochberg.qValues([0.01, 0.04, 0.03, 0.005])
        for (a, b) in zip(q, [0.02, 0.04, 0.04, 0.02]) { XCTAssertEqual(a, b, accuracy: 1e-15) }
        for q in BenjaminiHochberg.qValues([0.7, 0.9, 0.95]) { XCTAssertEqual(q, 0.95, accuracy: 1e-15) }
        XCTAssertEqual(BenjaminiHochberg.qValues([]), [])
    }

    func testWelchEdgeCases() throws {
        let same = try WelchTest(mean1: 0, variance1: 0, count1: 10, mean2: 0, variance2: 0, count2: 10)
        XCTAssertEqual(same.p, 1)
        XCTAssertNil(same.degreesOfFreedom)
        let apart = try WelchTest(mean1: 1, variance1: 0, count1: 10, mean2: 2, variance2: 0, count2: 10)
        XCTAssertEqual(apart.p, 0)
        XCTAssertEqual(apart.t, .infinity)
        // One constant set: df = n₂ − 1.
        let one = try WelchTest(mean1: 0, variance1: 0, count1: 10, mean2: 1, variance2: 4, count2: 17)
        XCTAssertEqual(one.degreesOfFreedom!, 16, accuracy: 1e-12)
        XCTAssertEqual(one.t, 1 / (4.0 / 17).squareRoot(), accuracy: 1e-12)
        XCTAssertThrowsError(try WelchTest(mean1: 0, variance1: 1, count1: 1, mean2: 0, variance2: 1, count2: 5))
        XCTAssertThrowsError(try WelchTest(mean1: .nan, variance1: 1, count1: 3, mean2: 0, variance2: 1, count2: 5))
    }

    /// Welch p-values and BH q-values from sufficient statistics against scipy.stats.ttest_ind
    /// and numpy BH on the images themselves: 336 classes (most never occur, some only in one
    /// set), one class halved, some much more frequent (p down to ~1e-102 and below 1e-300).
    func testClassTestsMatchScipy() throws {
        let real = SyntheticScenes(classes: 336, active: 40)
        var generated = real
        generated.scale[1 + 2 * 335 / 40] *= 0.5
        generated.scale[1 + 5 * 335 / 40] *= 3
        generated.presence[1 + 5 * 335 / 40] = 1
        generated.presence[1 + 9 * 335 / 40] = 0.75
        generated.presence[1 + 30 * 335 / 40] = 0
        generated.presence[200] = 0.05
        generated.scale[200] = 0.01
        let a = try real.tally(images: 1500, pixels: 1024, seed: 1), b = try generated.tally(images: 1200, pixels: 1024, seed: 2)
        var options = FSDReport.Options()
        options.resamples = 0
        options.selfDistances = false
        let report = try FSDReport(real: a, generated: b, options: options)
        let ref = try StatisticsReference.run("classes", real: a, generated: b, extra: ["--exclude", "0"])
        let refP = StatisticsReference.doubles(ref, "p"), refQ = StatisticsReference.doubles(ref, "q")
        let refSig = try XCTUnwrap(ref["significant"] as? [Bool])
        var compared = 0, smallest = 1.0
        for row in report.classes {
            let c = row.index
            if row.excluded {
                XCTAssertNil(row.test)
                XCTAssertNil(refQ[c])
                continue
            }
            let p = try XCTUnwrap(row.test?.p), rp = try XCTUnwrap(refP[c], "class \(c)")
            if rp > 1e-300 {
                XCTAssertEqual(p, rp, accuracy: 1e-8 * rp, "class \(c) p")
                compared += 1
                smallest = min(smallest, rp)
            } else {
                XCTAssertLessThan(p, 1e-290, "class \(c)")
            }
            let q = try XCTUnwrap(row.q), rq = try XCTUnwrap(refQ[c])
            if rq > 1e-300 { XCTAssertEqual(q, rq, accuracy: 1e-8 * rq, "class \(c) q") }
            XCTAssertEqual(row.significant, refSig[c], "class \(c)")
        }
        print("compared \(compared) p-values with scipy, smallest \(smallest); significant: \(report.classes.filter(\.significant).map { "\($0.name) \($0.direction!)" })")
        XCTAssertLessThan(smallest, 1e-100)
        XCTAssertGreaterThan(compared, 330)
    }
}
