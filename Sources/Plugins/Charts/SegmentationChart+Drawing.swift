import Foundation

extension SegmentationChart {
    private func px(_ v: Double) -> Int { max(1, Int((v * fonts.scale).rounded())) }

    func drawAreaPanel(_ c: inout Canvas) {
        let p = layout.areaPanel
        // Minor gridlines only where a decade is tall enough for them not to crowd.
        let decadeHeight = Double(p.height) / Double(areaScale.upperDecade - areaScale.lowerDecade)
        let minor = decadeHeight >= 50 * fonts.scale
        if minor {
            for v in areaScale.minorTicks {
                c.horizontalLine(y: Int(areaScale.y(v).rounded()), from: p.x, to: p.maxX, ChartPalette.minorGrid,
                                 dash: (on: px(3), off: px(3)))
            }
        }
        for v in areaScale.majorTicks {
            c.horizontalLine(y: Int(areaScale.y(v).rounded()), from: p.x, to: p.maxX, ChartPalette.majorGrid)
        }
        for i in bars.indices { c.fill(areaBar(i), ChartPalette.trainingBar) }

        let points = bars.indices.map { (x: centerX($0), y: areaScale.y(bars[$0].row.generatedMean)) }
        for (a, b) in zip(points, points.dropFirst()) {
            c.line(from: a, to: b, ChartPalette.generated, lineWidth: 2.5 * fonts.scale)
        }
        for point in points { c.disk(center: point, radius: 4.5 * fonts.scale, ChartPalette.generated) }

        c.stroke(p, ChartPalette.axis)
        if minor {
            for v in areaScale.minorTicks {
                c.horizontalLine(y: Int(areaScale.y(v).rounded()), from: p.x - px(3), to: p.x, ChartPalette.axis)
            }
        }
        for (k, v) in zip(areaScale.lowerDecade...areaScale.upperDecade, areaScale.majorTicks) {
            let y = Int(areaScale.y(v).rounded())
            c.horizontalLine(y: y, from: p.x - px(6), to: p.x, ChartPalette.axis)
            c.draw(LogScale.label(decade: k), font: fonts.tick, at: p.x - px(9), y,
                   anchor: TextAnchor(.trailing, .middle), ChartPalette.text)
        }
        c.draw("mean area (% of image)", font: fonts.axisTitle, at: layout.axisTitleX, p.midY,
               anchor: TextAnchor(.center, .top), ChartPalette.text, rotated: true)
    }

    func drawDifferencePanel(_ c: inout Canvas) {
        let p = layout.differencePanel
        let ticks = SegmentationChart.differenceTicks(options.clip)
        for t in ticks where t.value != 0 {
            c.horizontalLine(y: Int(differenceScale.y(t.value).rounded()), from: p.x, to: p.maxX, ChartPalette.majorGrid)
        }
        for (i, bar) in bars.enumerated() {
            let rect = differenceBar(i)
            c.fill(rect, bar.relative < 0 ? ChartPalette.tooLittle : ChartPalette.tooMuch)
            if bar.isClipped { drawBreak(&c, rect, up: bar.relative > 0) }
        }
        c.horizontalLine(y: zeroY, from: p.x, to: p.maxX, ChartPalette.axis)

        // Clipped values and significance marks just beyond each bar's tip.
        for (i, bar) in bars.enumerated() where bar.isClipped || bar.row.significant == true {
            let rect = differenceBar(i), above = bar.shownRelative >= 0
            drawNote(&c, number: bar.clippedLabel, marked: bar.row.significant == true, x: Int(centerX(i).rounded()),
                     edge: above ? rect.y : rect.maxY, above: above)
        }

        c.stroke(p, ChartPalette.axis)
        for t in ticks {
            let y = Int(differenceScale.y(t.value).rounded())
            c.horizontalLine(y: y, from: p.x - px(6), to: p.x, ChartPalette.axis)
            c.draw(t.label, font: fonts.tick, at: p.x - px(9), y, anchor: TextAnchor(.trailing, .middle), ChartPalette.text)
        }
        c.draw("relative difference", font: fonts.axisTitle, at: layout.axisTitleX, p.midY,
               anchor: TextAnchor(.center, .top), ChartPalette.text, rotated: true)
    }

    /// A clipped bar's true value and/or a significance asterisk, side by side with their ink tops
    /// aligned, centred on column `x` (inside the panel) and `px(3)` beyond row `edge`.
    private func drawNote(_ c: inout Canvas, number: String?, marked: Bool, x: Int, edge: Int, above: Bool) {
        let pieces = [number.map { fonts.annotation.render($0) }, marked ? fonts.mark.render("*") : nil].compactMap { $0 }
        let inks = pieces.compactMap { $0.inkBounds }
        guard inks.count == pieces.count, !inks.isEmpty else { return }
        let gap = px(2)
        let width = inks.reduce(0) { $0 + $1.width } + gap * (inks.count - 1)
        let height = inks.map(\.height).max() ?? 0
        let top = above ? edge - px(3) - height : edge + px(3)
        let panel = layout.differencePanel  // kept inside it, for the outermost bars
        var left = max(panel.x + px(3), min(x - width / 2, panel.maxX - px(3) - width))
        for (piece, ink) in zip(pieces, inks) {
            c.draw(piece, inkAt: left, top, ChartPalette.text)
            left += ink.width + gap
        }
    }

    /// A white slash across a clipped bar near its tip, the usual sign of a broken-off bar.
    private func drawBreak(_ c: inout Canvas, _ rect: PixelRect, up: Bool) {
        let tip = Double(up ? rect.y : rect.maxY), dir = up ? 1.0 : -1.0
        let s = fonts.scale
        c.line(from: (Double(rect.x) - 1, tip + dir * 12 * s), to: (Double(rect.maxX) + 1, tip + dir * 6 * s),
               .white, lineWidth: 3 * s)
    }

    func drawClassLabels(_ c: inout Canvas) {
        for i in bars.indices {
            c.draw(labels[i], font: fonts.label, at: Int(centerX(i).rounded()), layout.labelBand.y + px(6),
                   anchor: TextAnchor(.trailing, .middle), ChartPalette.text, rotated: true)
        }
    }

    func drawHeader(_ c: inout Canvas) {
        let h = layout.header
        c.draw(options.title, font: fonts.title, at: h.x, h.y, ChartPalette.text)
        if let subtitle = options.subtitle {
            c.draw("  " + subtitle, font: fonts.subtitle, at: h.x + fonts.title.measure(options.title), h.y + fonts.title.ascent,
                   anchor: TextAnchor(.leading, .baseline), ChartPalette.mutedText)
        }
        let items = SegmentationChart.legendItems(options: options, bars: bars)
        let width = SegmentationChart.legendWidth(options: options, bars: bars, fonts: fonts)
        var x = legendBesideTitle ? h.maxX - width : h.x
        let y = legendBesideTitle ? h.y + fonts.title.lineHeight / 2 : h.maxY - fonts.legend.lineHeight / 2
        let s = fonts.scale
        for (symbol, label) in items {
            let w = SegmentationChart.symbolWidth(symbol, fonts: fonts)
            switch symbol {
            case .swatch(let color):
                c.fill(PixelRect(x: x, y: y - w / 2, width: w, height: w), color)
            case .line:
                c.line(from: (Double(x), Double(y)), to: (Double(x + w), Double(y)), ChartPalette.generated, lineWidth: 2.5 * s)
                c.disk(center: (Double(x) + Double(w) / 2, Double(y)), radius: 4.5 * s, ChartPalette.generated)
            case .mark(let text):
                let mark = fonts.mark.render(text)
                c.draw(mark, inkAt: x, y - (mark.inkBounds?.height ?? 0) / 2, ChartPalette.text)
            }
            x += w + px(7)
            c.draw(label, font: fonts.legend, at: x, y, anchor: TextAnchor(.leading, .middle), ChartPalette.text)
            x += fonts.legend.measure(label) + px(26)
        }
    }

    enum LegendSymbol {
        case swatch(RGBColor)
        case line
        case mark(String)
    }

    /// The legend's entries; the significance one only when some row says whether it is significant.
    static func legendItems(options: Options, bars: [SegmentationChartData.Bar]) -> [(LegendSymbol, String)] {
        var items: [(LegendSymbol, String)] = [
            (.swatch(ChartPalette.trainingBar), options.realLabel),
            (.line, options.generatedLabel),
            (.swatch(ChartPalette.tooLittle), "generated too little"),
            (.swatch(ChartPalette.tooMuch), "generated too much"),
        ]
        if bars.contains(where: { $0.row.significant != nil }) { items.append((.mark("*"), "significant difference")) }
        return items
    }

    static func symbolWidth(_ symbol: LegendSymbol, fonts: ChartFonts) -> Int {
        switch symbol {
        case .swatch: return max(1, Int((14 * fonts.scale).rounded()))
        case .line: return max(1, Int((28 * fonts.scale).rounded()))
        case .mark(let text): return fonts.mark.render(text).inkBounds?.width ?? 0
        }
    }

    static func legendWidth(options: Options, bars: [SegmentationChartData.Bar], fonts: ChartFonts) -> Int {
        let gap = max(1, Int((7 * fonts.scale).rounded())), spacing = max(1, Int((26 * fonts.scale).rounded()))
        let items = legendItems(options: options, bars: bars)
        let total = items.reduce(0) { $0 + symbolWidth($1.0, fonts: fonts) + gap + fonts.legend.measure($1.1) + spacing }
        return total - spacing
    }
}
