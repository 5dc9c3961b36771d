import Foundation
@testable import Plugins
import XCTest

final class SegmentationChartRenderTests: XCTestCase {
    /// The paper-style sample at the default size, written as a PNG and read back.
    /// `CHART_SAMPLE_PNG` keeps it at that path (scripts/render-chart-sample.sh).
    func testSampleChartIsWrittenAndReadable() throws {
        var options = SegmentationChart.Options()
        options.subtitle = "sample data: bedrooms, 10,000 training vs 10,000 generated images"
        let chart = try SegmentationChart(rows: ChartSampleData.rows, options: options)
        let kept = ProcessInfo.processInfo.environment["CHART_SAMPLE_PNG"]
        let path = kept ?? NSTemporaryDirectory() + "chart-sample-\(getpid()).png"
        try chart.write(to: path)
        defer { if kept == nil { unlink(path) } }
        let image = try ImageReader.read(path: path)
        XCTAssertEqual(image.width, 1600)
        XCTAssertEqual(image.height, 900)

        XCTAssertEqual(chart.bars.count, 30)
        XCTAssertEqual(chart.bars.prefix(3).map(\.row.name), ["wall", "bed", "floor"])
        XCTAssertFalse(chart.bars.contains { $0.row.classIndex == 0 || $0.row.name == "sky" })

        func color(_ x: Int, _ y: Int) -> RGBColor { let p = image[x, y]; return RGBColor(p.0, p.1, p.2) }
        func dark(_ rect: PixelRect) -> PixelRect? {
            CanvasInk.bounds(in: rect) { x, y in let p = image[x, y]; return max(p.0, p.1, p.2) < 100 }
        }
        func inkCount(_ rect: PixelRect) -> Int {
            var n = 0
            for y in rect.y..<rect.maxY { for x in rect.x..<rect.maxX where color(x, y) != .white { n += 1 } }
            return n
        }
        let l = chart.layout
        for (name, panel) in [("header", l.header), ("area", l.areaPanel), ("difference", l.differencePanel), ("labels", l.labelBand)] {
            XCTAssertGreaterThan(inkCount(panel), panel.width * panel.height / 50, "\(name) panel is drawn")
        }

        let i = try XCTUnwrap(chart.bars.firstIndex { $0.row.name == "person" })
        let under = chart.differenceBar(i)
        XCTAssertEqual(under.y, chart.zeroY, "an under-produced bar hangs from the zero line")
        XCTAssertGreaterThan(under.maxY, chart.zeroY + 50)
        XCTAssertEqual(color(under.midX, chart.zeroY + 3), ChartPalette.tooLittle)
        XCTAssertEqual(color(under.midX, under.maxY - 2), ChartPalette.tooLittle)
        XCTAssertNotEqual(color(under.midX, chart.zeroY - 3), ChartPalette.tooLittle)
        XCTAssertNotNil(dark(PixelRect(x: under.x, y: under.maxY, width: under.width, height: 25)), "significance mark below")

        let j = try XCTUnwrap(chart.bars.firstIndex { $0.row.name == "light" })
        let over = chart.differenceBar(j)
        XCTAssertEqual(over.maxY, chart.zeroY)
        XCTAssertEqual(over.y, Int(chart.differenceScale.y(1.1).rounded()), "clipped at +1.1")
        XCTAssertEqual(color(over.midX, chart.zeroY - 3), ChartPalette.tooMuch)
        let above = PixelRect(x: over.x - 10, y: l.differencePanel.y + 1, width: over.width + 20, height: over.y - l.differencePanel.y - 1)
        let note = try XCTUnwrap(dark(above), "the clipped value is printed above the bar")
        XCTAssertGreaterThan(note.width, 20, "+2.5* is several glyphs wide")

        let k = try XCTUnwrap(chart.bars.firstIndex { $0.row.name == "wall" })  // +0.04, not significant
        let small = chart.differenceBar(k)
        XCTAssertNil(dark(PixelRect(x: small.x, y: small.y - 30, width: small.width, height: 28)), "no note over an unclipped, insignificant bar")

        let bar = chart.areaBar(k)
        XCTAssertEqual(bar.maxY, l.areaPanel.maxY)
        XCTAssertEqual(color(bar.midX - 5, bar.maxY - 3), ChartPalette.trainingBar)
        XCTAssertEqual(bar.y, Int(chart.areaScale.y(31.2).rounded()))
        XCTAssertTrue((l.areaPanel.y..<l.areaPanel.maxY).contains { color(chart.areaBar(i).midX, $0) == ChartPalette.generated },
                      "the generated line crosses the bars")

        for (index, _) in chart.bars.enumerated() {
            let x = Int(chart.centerX(index).rounded())
            let name = dark(PixelRect(x: x - 8, y: l.labelBand.y, width: 16, height: l.labelBand.height))
            XCTAssertGreaterThan(name?.height ?? 0, 20, "class \(index) has its name written downwards under it")
        }
    }

    /// A small chart with a few classes: the layout stays inside the canvas and in order, and
    /// the title and legend share a row.
    func testSmallChartLayout() throws {
        let rows = ChartSampleData.rows.filter { [1, 8, 13, 83, 36].contains($0.classIndex) }
        var options = SegmentationChart.Options()
        options.width = 800
        options.height = 450
        options.title = "Small"
        let chart = try SegmentationChart(rows: rows, options: options)
        let l = chart.layout
        XCTAssertTrue(chart.legendBesideTitle)
        XCTAssertLessThanOrEqual(l.header.maxY, l.areaPanel.y)
        XCTAssertLessThanOrEqual(l.areaPanel.maxY, l.differencePanel.y)
        XCTAssertLessThanOrEqual(l.differencePanel.maxY, l.labelBand.y)
        XCTAssertLessThanOrEqual(l.labelBand.maxY, 450)
        XCTAssertGreaterThan(l.differencePanel.height, 60)
        XCTAssertEqual(chart.bars.map(\.row.name), ["wall", "bed", "lamp", "person", "light"])
        let canvas = chart.render()
        XCTAssertEqual(canvas.width, 800)
        let everything = try XCTUnwrap(CanvasInk.bounds(canvas, in: PixelRect(x: 0, y: 0, width: 800, height: 450)))
        XCTAssertGreaterThan(everything.x, 0)
        XCTAssertLessThan(everything.maxY, 450, "labels are not cut off at the bottom")
        for i in chart.bars.indices {
            XCTAssertTrue(l.areaPanel.contains(x: chart.areaBar(i).midX, y: chart.areaBar(i).y))
            XCTAssertGreaterThanOrEqual(chart.differenceBar(i).y, l.differencePanel.y)
            XCTAssertLessThanOrEqual(chart.differenceBar(i).maxY, l.differencePanel.maxY)
        }
    }
}
