import Foundation

/// The fonts of a chart, sized for a canvas `canvasScale` times the 1600×900 default.
struct ChartFonts {
    /// How much text, marks and spacing grow with the canvas. Below the default size they shrink
    /// more slowly than the canvas (square root) so that small charts stay readable.
    let scale: Double
    let title: Font
    let subtitle: Font
    let legend: Font
    let axisTitle: Font
    let tick: Font
    let label: Font
    let annotation: Font
    /// The significance asterisk, larger than text: DejaVu's asterisk is small and sits high.
    let mark: Font

    init(path: String?, canvasScale: Double) throws {
        let scale = canvasScale < 1 ? canvasScale.squareRoot() : canvasScale
        self.scale = scale
        let regular = try path ?? FontLocator.defaultFontPath()
        // The bold face beside the regular one (fonts-dejavu-core ships both); regular otherwise.
        let boldPath = regular.replacingOccurrences(of: ".ttf", with: "-Bold.ttf")
        let bold = FileManager.default.isReadableFile(atPath: boldPath) ? boldPath : regular
        func font(_ file: String, _ size: Double) throws -> Font {
            try Font(path: file, pixelSize: max(9, Int((size * scale).rounded())))
        }
        title = try font(bold, 24)
        subtitle = try font(regular, 18)
        legend = try font(regular, 16)
        axisTitle = try font(regular, 16)
        tick = try font(regular, 14)
        label = try font(regular, 15)
        annotation = try font(bold, 13)
        mark = try font(bold, 20)
    }
}

/// Colours: neutral training bars against an orange generated line; the differences in a
/// red (too little) / blue (too much) diverging pair.
enum ChartPalette {
    static let trainingBar = RGBColor(hex: 0xA9C0D6)
    static let generated = RGBColor(hex: 0xE0601F)
    static let tooLittle = RGBColor(hex: 0xC0392B)
    static let tooMuch = RGBColor(hex: 0x2F6DB5)
    static let axis = RGBColor(hex: 0x404040)
    static let majorGrid = RGBColor(hex: 0xD4D4D4)
    static let minorGrid = RGBColor(hex: 0xE0E0E0)
    static let text = RGBColor(hex: 0x1A1A1A)
    static let mutedText = RGBColor(hex: 0x6A6A6A)
}
