/// Where a text's anchor point sits: along the writing direction (leading edge, centre, trailing
/// edge of the advance) and across it (top of the line box, its middle, the baseline, its bottom).
public struct TextAnchor: Equatable {
    public enum Along { case leading, center, trailing }
    public enum Across { case top, middle, baseline, bottom }
    public var along: Along
    public var across: Across

    public init(_ along: Along, _ across: Across) {
        self.along = along
        self.across = across
    }

    public static let topLeading = TextAnchor(.leading, .top)
}

public extension Canvas {
    /// Blends a text bitmap with its pen at (penX, penY). `rotated` turns it 90° anticlockwise,
    /// so it reads bottom to top with the glyph tops facing left (as under a bar chart's bars).
    mutating func draw(_ text: TextBitmap, penX: Int, penY: Int, _ color: RGBColor, rotated: Bool = false) {
        for v in 0..<text.height {
            for u in 0..<text.width {
                let a = Int(text.coverage[v * text.width + u])
                guard a > 0 else { continue }
                let along = u - text.originX, across = v - text.baseline
                if rotated {
                    blend(x: penX + across, y: penY - 1 - along, color, coverage: a)
                } else {
                    blend(x: penX + along, y: penY + across, color, coverage: a)
                }
            }
        }
    }

    /// Blends a text bitmap (unrotated) so that the top-left corner of its ink lands on (x, y):
    /// for marks such as "*" whose ink is far from the line box they sit in.
    mutating func draw(_ text: TextBitmap, inkAt x: Int, _ y: Int, _ color: RGBColor) {
        guard let ink = text.inkBounds else { return }
        draw(text, penX: x - ink.x + text.originX, penY: y - ink.y + text.baseline, color)
    }

    /// Draws `string` so that `anchor` of its line box lands on (x, y).
    mutating func draw(_ string: String, font: Font, at x: Int, _ y: Int, anchor: TextAnchor = .topLeading,
                       _ color: RGBColor = .black, rotated: Bool = false) {
        let text = font.render(string)
        let along: Int
        switch anchor.along {
        case .leading: along = 0
        case .center: along = -text.advance / 2
        case .trailing: along = -text.advance
        }
        let across: Int
        switch anchor.across {
        case .top: across = font.ascent
        case .middle: across = (font.ascent - font.descent) / 2
        case .baseline: across = 0
        case .bottom: across = -font.descent
        }
        if rotated {
            draw(text, penX: x + across, penY: y - along, color, rotated: true)
        } else {
            draw(text, penX: x + along, penY: y + across, color)
        }
    }
}
