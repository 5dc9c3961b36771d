import Plugins
import XCTest

final class SegmentationChartDataTests: XCTestCase {
    typealias Row = SegmentationChartData.Row

    private func row(_ index: Int, _ real: Double, _ generated: Double, object: Bool = true) -> Row {
        Row(classIndex: index, name: "c\(index)", realMean: real, generatedMean: generated, isObject: object)
    }

    func testSortsByTrainingAreaAndKeepsTheTopClasses() {
        let rows = [row(3, 1.0, 1), row(1, 5.0, 1), row(2, 0.5, 1), row(4, 2.0, 1), row(5, 0.1, 1)]
        let bars = SegmentationChartData.bars(rows, top: 3, clip: -1...1.1)
        XCTAssertEqual(bars.map(\.row.classIndex), [1, 4, 3])
        XCTAssertEqual(SegmentationChartData.bars(rows, top: 30, clip: -1...1.1).count, 5)
    }

    func testDropsClassZeroNonObjectsAndClassesWithoutTrainingArea() {
        let rows = [row(0, 50, 50), row(1, 5, 1), row(2, 3, 1, object: false), row(3, 0, 4), row(4, .nan, 1),
                    row(5, 1, .infinity), row(6, 1, 0)]
        let bars = SegmentationChartData.bars(rows, top: 30, clip: -1...1.1)
        XCTAssertEqual(bars.map(\.row.classIndex), [1, 6], "a class never generated (gen 0) is kept: −100 %")
        XCTAssertEqual(bars.last?.relative, -1)
    }

    func testTiesKeepClassOrder() {
        let bars = SegmentationChartData.bars([row(9, 1, 1), row(2, 1, 1), row(5, 1, 1)], top: 30, clip: -1...1.1)
        XCTAssertEqual(bars.map(\.row.classIndex), [2, 5, 9])
    }

    func testRelativeDifferenceAndClipping() throws {
        let rows = [row(1, 4, 14), row(2, 2, 0.4), row(3, 1, 2.1), row(4, 0.5, 7)]
        let bars = SegmentationChartData.bars(rows, top: 30, clip: -1...1.1)
        // (14 − 4) / 4 = 2.5: shown at the clip bound, its value printed.
        XCTAssertEqual(bars[0].relative, 2.5, accuracy: 1e-12)
        XCTAssertEqual(bars[0].shownRelative, 1.1)
        XCTAssertTrue(bars[0].isClipped)
        XCTAssertEqual(bars[0].clippedLabel, "+2.5")
        // (0.4 − 2) / 2 = −0.8: inside the range.
        XCTAssertEqual(bars[1].relative, -0.8, accuracy: 1e-12)
        XCTAssertEqual(bars[1].shownRelative, bars[1].relative)
        XCTAssertFalse(bars[1].isClipped)
        XCTAssertNil(bars[1].clippedLabel)
        // (2.1 − 1) / 1 = 1.1 (to rounding) and (7 − 0.5) / 0.5 = 13.
        XCTAssertEqual(bars[2].shownRelative, 1.1, accuracy: 1e-12)
        XCTAssertEqual(bars[3].clippedLabel, "+13")

        let narrow = SegmentationChartData.bars([row(1, 2, 0.4)], top: 30, clip: -0.5...0.5)
        XCTAssertEqual(narrow[0].shownRelative, -0.5)
        XCTAssertEqual(narrow[0].clippedLabel, "−0.8")
    }

    func testSignedLabels() {
        XCTAssertEqual(SegmentationChartData.signed(2.5), "+2.5")
        XCTAssertEqual(SegmentationChartData.signed(12.34), "+12")
        XCTAssertEqual(SegmentationChartData.signed(-0.8), "−0.8")
        XCTAssertEqual(SegmentationChartData.signed(0), "+0.0")
    }

    func testChartRejectsBadInput() {
        XCTAssertThrowsError(try SegmentationChart(rows: [row(0, 10, 10), row(1, 0, 3)])) { error in
            XCTAssertTrue("\(error)".contains("no classes to chart"), "\(error)")
        }
        var tiny = SegmentationChart.Options()
        tiny.width = 100
        XCTAssertThrowsError(try SegmentationChart(rows: [row(1, 1, 1)], options: tiny))
        var none = SegmentationChart.Options()
        none.top = 0
        XCTAssertThrowsError(try SegmentationChart(rows: [row(1, 1, 1)], options: none))
        var badClip = SegmentationChart.Options()
        badClip.clip = 0.5...1
        XCTAssertThrowsError(try SegmentationChart(rows: [row(1, 1, 1)], options: badClip))
    }
}
