@testable import Plugins
import XCTest

final class ChartScalesTests: XCTestCase {
    func testDecadesCoverTheData() {
        XCTAssertTrue(LogScale.decades(covering: [0.05, 30]) == (-2, 2))
        XCTAssertTrue(LogScale.decades(covering: [0.01, 10]) == (-2, 1), "exact powers of ten are not widened")
        XCTAssertTrue(LogScale.decades(covering: [0, 0.5, 3]) == (-1, 1), "zero cannot be placed and is ignored")
        XCTAssertTrue(LogScale.decades(covering: [5]) == (0, 1))
        XCTAssertTrue(LogScale.decades(covering: [10]) == (0, 1), "at least one decade")
        XCTAssertTrue(LogScale.decades(covering: [150, 0.2]) == (-1, 2), "capped at 100 %")
        XCTAssertTrue(LogScale.decades(covering: []) == (0, 1))
    }

    func testLogMapping() {
        // 0.01 … 100 over rows 400 (bottom) … 0 (top): 100 px per decade.
        let s = LogScale(lowerDecade: -2, upperDecade: 2, top: 0, bottom: 400)
        XCTAssertEqual(s.y(0.01), 400, accuracy: 1e-9)
        XCTAssertEqual(s.y(0.1), 300, accuracy: 1e-9)
        XCTAssertEqual(s.y(1), 200, accuracy: 1e-9)
        XCTAssertEqual(s.y(100), 0, accuracy: 1e-9)
        XCTAssertEqual(s.y(2), 200 - 100 * 0.30102999566398120, accuracy: 1e-9)  // log10(2)
        XCTAssertEqual(s.y(0), 400, "non-positive values sit on the axis floor")
        XCTAssertEqual(s.y(.nan), 400)
        XCTAssertEqual(s.y(1e6), 0)
        XCTAssertEqual(s.majorTicks, [0.01, 0.1, 1, 10, 100])
        XCTAssertEqual(s.minorTicks.count, 32)
        XCTAssertEqual(s.minorTicks.first ?? 0, 0.02, accuracy: 1e-12)
    }

    func testDecadeLabelsArePlainDecimals() {
        XCTAssertEqual((-3...2).map { LogScale.label(decade: $0) }, ["0.001", "0.01", "0.1", "1", "10", "100"])
    }

    func testLinearMappingClampsToTheDomain() {
        // −1 … 1.1 over rows 210 … 0: 100 px per unit.
        let s = LinearScale(domain: -1...1.1, top: 0, bottom: 210)
        XCTAssertEqual(s.y(-1), 210, accuracy: 1e-9)
        XCTAssertEqual(s.y(0), 110, accuracy: 1e-9)
        XCTAssertEqual(s.y(1.1), 0, accuracy: 1e-9)
        XCTAssertEqual(s.y(2.5), 0, accuracy: 1e-9)
        XCTAssertEqual(s.y(-3), 210, accuracy: 1e-9)
    }

    func testDifferenceTicks() {
        XCTAssertEqual(SegmentationChart.differenceTicks(-1...1.1).map(\.label), ["−1", "−0.5", "0", "+0.5", "+1"])
        XCTAssertEqual(SegmentationChart.differenceTicks(-1...1.1).map(\.value), [-1, -0.5, 0, 0.5, 1])
        XCTAssertEqual(SegmentationChart.differenceTicks(-2...3).map(\.label).last, "+3")
    }
}
