import Foundation

/// The Generated Image Segmentation Statistics chart of the paper (its Figures 1, 2, 4 and 5):
/// classes by descending training area; the top panel shows each class's mean area in percent
/// of the image on a log axis (training as bars, generated as a line with markers), the bottom
/// panel the relative difference (gen − train) / train, clipped to `clip` with the true value
/// printed beyond a clipped bar. Rows flagged significant get an asterisk at the bar's tip.
public struct SegmentationChart {
    public struct Options {
        public var width = 1600
        public var height = 900
        /// How many of the largest classes to show.
        public var top = 30
        public var title = "Generated Image Segmentation Statistics"
        /// Drawn after the title in grey, e.g. "ProGAN bedrooms, 10,000 images each".
        public var subtitle: String?
        public var realLabel = "training"
        public var generatedLabel = "generated"
        public var clip: ClosedRange<Double> = -1...1.1
        /// A .ttf file; nil finds DejaVu Sans (FontLocator).
        public var fontPath: String?

        public init() {}
    }

    /// Where everything goes, in canvas pixels.
    public struct Layout {
        public let header: PixelRect
        public let areaPanel: PixelRect
        public let differencePanel: PixelRect
        public let labelBand: PixelRect
        /// The column where the rotated axis titles start.
        public let axisTitleX: Int
        /// Horizontal space per class.
        public let slotWidth: Double
        public let barWidth: Int
    }

    public let options: Options
    public let bars: [SegmentationChartData.Bar]
    public let layout: Layout
    public let areaScale: LogScale
    public let differenceScale: LinearScale
    /// Class names as drawn (truncated to the label band).
    public let labels: [String]
    /// Whether the title and legend share a row.
    let legendBesideTitle: Bool
    let fonts: ChartFonts

    public init(rows: [SegmentationChartData.Row], options: Options = Options()) throws {
        guard options.width >= 320, options.height >= 240, options.width <= 8192, options.height <= 8192 else {
            throw ChartError("chart size must be 320x240 … 8192x8192, got \(options.width)x\(options.height)")
        }
        guard options.top >= 1 else { throw ChartError("the chart needs at least one class (top = \(options.top))") }
        guard options.clip.lowerBound < 0, options.clip.upperBound > 0 else {
            throw ChartError("the relative-difference range must include 0 inside it, got \(options.clip)")
        }
        let bars = SegmentationChartData.bars(rows, top: options.top, clip: options.clip)
        guard !bars.isEmpty else {
            throw ChartError("no classes to chart: every one of the \(rows.count) rows is class 0, a non-object class, or has no training area")
        }
        self.options = options
        self.bars = bars
        let fonts = try ChartFonts(path: options.fontPath, canvasScale: min(Double(options.width) / 1600, Double(options.height) / 900))
        self.fonts = fonts
        let s = fonts.scale
        func px(_ v: Double) -> Int { max(1, Int((v * s).rounded())) }

        let decades = LogScale.decades(covering: bars.flatMap { [$0.row.realMean, $0.row.generatedMean] })
        let tickLabels = (decades.lower...decades.upper).map { LogScale.label(decade: $0) }
            + SegmentationChart.differenceTicks(options.clip).map(\.label)
        let tickWidth = tickLabels.map { fonts.tick.measure($0) }.max() ?? 0

        let pad = px(16)
        let left = pad + fonts.axisTitle.lineHeight + px(10) + tickWidth + px(10)
        let right = options.width - pad - px(6)
        let plotWidth = right - left

        // Title and legend on one row when they fit, else the legend on a row of its own.
        let titleWidth = fonts.title.measure(options.title)
            + (options.subtitle.map { fonts.subtitle.measure("  " + $0) } ?? 0)
        let legendWidth = SegmentationChart.legendWidth(options: options, bars: bars, fonts: fonts)
        legendBesideTitle = titleWidth + px(40) + legendWidth <= plotWidth
        let headerHeight = fonts.title.lineHeight + (legendBesideTitle ? 0 : px(8) + fonts.legend.lineHeight)
        let header = PixelRect(x: left, y: pad, width: plotWidth, height: headerHeight)

        // Rotated class names: the band is as tall as the longest name, up to a quarter of the chart.
        let maxLabel = options.height / 4
        labels = bars.map { fonts.label.truncated($0.row.name, toFit: maxLabel) }
        let labelLength = labels.map { fonts.label.measure($0) }.max() ?? 0
        let labelBandHeight = px(8) + labelLength

        let panelsTop = header.maxY + px(18)
        let panelGap = px(14)
        let panelsBottom = options.height - pad - labelBandHeight
        let available = max(panelsBottom - panelsTop - panelGap, 40)
        let areaHeight = Int(Double(available) * 0.56)
        let areaPanel = PixelRect(x: left, y: panelsTop, width: plotWidth, height: areaHeight)
        let differencePanel = PixelRect(x: left, y: areaPanel.maxY + panelGap, width: plotWidth,
                                        height: available - areaHeight)
        let slot = Double(plotWidth) / Double(bars.count)
        layout = Layout(header: header, areaPanel: areaPanel, differencePanel: differencePanel,
                        labelBand: PixelRect(x: left, y: differencePanel.maxY, width: plotWidth, height: labelBandHeight),
                        axisTitleX: pad,
                        slotWidth: slot, barWidth: max(1, Int(min(slot * 0.7, 60 * fonts.scale).rounded())))

        areaScale = LogScale(lowerDecade: decades.lower, upperDecade: decades.upper,
                             top: Double(areaPanel.y), bottom: Double(areaPanel.maxY))
        // Room inside the panel beyond the clip range for the numbers printed at clipped bars.
        let inset = Double(fonts.annotation.lineHeight + px(6))
        differenceScale = LinearScale(domain: options.clip, top: Double(differencePanel.y) + inset,
                                      bottom: Double(differencePanel.maxY) - inset)
    }

    /// The x of class `i`'s bar centre.
    public func centerX(_ i: Int) -> Double {
        Double(layout.areaPanel.x) + layout.slotWidth * (Double(i) + 0.5)
    }

    /// Class `i`'s training-area bar in the top panel.
    public func areaBar(_ i: Int) -> PixelRect {
        let x = Int((centerX(i) - Double(layout.barWidth) / 2).rounded())
        let yTop = Int(areaScale.y(bars[i].row.realMean).rounded())
        return PixelRect(x0: x, y0: yTop, x1: x + layout.barWidth, y1: layout.areaPanel.maxY)
    }

    /// The row of the zero line in the bottom panel.
    public var zeroY: Int { Int(differenceScale.y(0).rounded()) }

    /// Class `i`'s relative-difference bar in the bottom panel, from the zero line to its (clipped) value.
    public func differenceBar(_ i: Int) -> PixelRect {
        let x = Int((centerX(i) - Double(layout.barWidth) / 2).rounded())
        let y = Int(differenceScale.y(bars[i].shownRelative).rounded())
        return PixelRect(x0: x, y0: zeroY, x1: x + layout.barWidth, y1: y)
    }

    /// Gridline values of the bottom panel: multiples of 0.5 inside the clip range, labelled "−1", "+0.5", "0".
    static func differenceTicks(_ clip: ClosedRange<Double>) -> [(value: Double, label: String)] {
        let lo = Int((clip.lowerBound * 2).rounded(.up)), hi = Int((clip.upperBound * 2).rounded(.down))
        return (lo...hi).map { k in
            let v = Double(k) / 2
            let label = k == 0 ? "0" : (k < 0 ? "−" : "+") + (k % 2 == 0 ? "\(abs(k) / 2)" : String(format: "%.1f", abs(v)))
            return (v, label)
        }
    }

    public func render() -> Canvas {
        var canvas = Canvas(width: options.width, height: options.height, background: .white)
        drawAreaPanel(&canvas)
        drawDifferencePanel(&canvas)
        drawClassLabels(&canvas)
        drawHeader(&canvas)
        return canvas
    }

    /// Renders the chart and writes it as a PNG, atomically.
    public func write(to path: String) throws {
        try render().writePNG(to: path)
    }
}
