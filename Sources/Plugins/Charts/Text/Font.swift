import CFreeType
import Foundation

/// A TrueType face at one pixel size, rasterised by FreeType into anti-aliased grey glyphs.
/// Glyphs are cached per Unicode scalar; not thread-safe (a chart owns its fonts).
public final class Font {
    public let path: String
    public let pixelSize: Int
    /// Line metrics in pixels: ascent above and descent below the baseline (both positive).
    public let ascent: Int
    public let descent: Int

    private let library: FT_Library
    private let face: FT_Face
    private let hasKerning: Bool
    private var glyphs: [UInt32: Glyph] = [:]

    private struct Glyph {
        let index: UInt32
        let left: Int
        let top: Int
        let width: Int
        let rows: Int
        let advance: Int  // 26.6 fixed point
        let coverage: [UInt8]
    }

    /// Light hinting (vertical only) keeps glyph shapes and spacing closest to the design;
    /// FT_LOAD_TARGET_LIGHT is a function-like macro, so its value is spelled out here.
    private static let loadFlags = Int32(FT_LOAD_RENDER) | (Int32(FT_RENDER_MODE_LIGHT.rawValue & 15) << 16)

    public init(path: String, pixelSize: Int) throws {
        guard pixelSize > 0, pixelSize <= 512 else { throw ChartError("font pixel size must be 1…512, got \(pixelSize)") }
        self.path = path
        self.pixelSize = pixelSize
        var lib: FT_Library?
        var err = FT_Init_FreeType(&lib)
        guard err == 0, let lib else { throw ChartError("FreeType initialisation failed (error \(err))") }
        var f: FT_Face?
        err = FT_New_Face(lib, path, 0, &f)
        guard err == 0, let f else {
            FT_Done_FreeType(lib)
            throw ChartError("cannot load font \(path): FreeType error \(err)")
        }
        library = lib
        face = f
        err = FT_Set_Pixel_Sizes(f, 0, UInt32(pixelSize))
        guard err == 0 else {
            FT_Done_Face(f)
            FT_Done_FreeType(lib)
            throw ChartError("cannot set \(path) to \(pixelSize) px: FreeType error \(err)")
        }
        let metrics = f.pointee.size.pointee.metrics
        ascent = Int((metrics.ascender + 63) >> 6)
        descent = Int((-metrics.descender + 63) >> 6)
        hasKerning = f.pointee.face_flags & FT_Long(FT_FACE_FLAG_KERNING) != 0
    }

    /// DejaVu Sans (see FontLocator) at `pixelSize`.
    public static func chartFont(pixelSize: Int) throws -> Font {
        try Font(path: try FontLocator.defaultFontPath(), pixelSize: pixelSize)
    }

    deinit {
        FT_Done_Face(face)
        FT_Done_FreeType(library)
    }

    public var lineHeight: Int { ascent + descent }

    /// The pen advance of `text` in pixels: the width text layout reserves for it.
    public func measure(_ text: String) -> Int {
        layout(text).advance
    }

    /// `text` on one line as coverage; ink that overhangs the pen box (e.g. italics, a leading 'j')
    /// is kept by widening the bitmap and moving `originX`.
    public func render(_ text: String) -> TextBitmap {
        let (placed, advance) = layout(text)
        var minX = 0, maxX = advance, minY = -ascent, maxY = descent
        for (x, g) in placed where g.width > 0 && g.rows > 0 {
            minX = min(minX, x + g.left)
            maxX = max(maxX, x + g.left + g.width)
            minY = min(minY, -g.top)
            maxY = max(maxY, g.rows - g.top)
        }
        let w = max(maxX - minX, 1), h = max(maxY - minY, 1)
        var coverage = [UInt8](repeating: 0, count: w * h)
        for (x, g) in placed {
            let x0 = x + g.left - minX, y0 = -g.top - minY
            for r in 0..<g.rows {
                for c in 0..<g.width {
                    let v = g.coverage[r * g.width + c]
                    let i = (y0 + r) * w + x0 + c
                    coverage[i] = max(coverage[i], v)  // kerned neighbours may overlap
                }
            }
        }
        return TextBitmap(width: w, height: h, coverage: coverage, originX: -minX, baseline: -minY, advance: advance)
    }

    /// `text` shortened with a trailing ellipsis so that its advance fits `maxWidth`.
    public func truncated(_ text: String, toFit maxWidth: Int) -> String {
        guard measure(text) > maxWidth else { return text }
        var chars = Array(text)
        while !chars.isEmpty {
            chars.removeLast()
            let candidate = String(chars).trimmingCharacters(in: .whitespaces) + "…"
            if measure(candidate) <= maxWidth { return candidate }
        }
        return ""
    }

    /// Pen x (whole pixels) of each glyph and the total advance.
    private func layout(_ text: String) -> (placed: [(Int, Glyph)], advance: Int) {
        var pen = 0  // 26.6
        var previous: UInt32 = 0
        var placed: [(Int, Glyph)] = []
        for scalar in text.unicodeScalars {
            guard let g = glyph(scalar.value) else { continue }
            if hasKerning, previous != 0, g.index != 0 {
                var delta = FT_Vector()
                if FT_Get_Kerning(face, previous, g.index, UInt32(FT_KERNING_DEFAULT.rawValue), &delta) == 0 {
                    pen += Int(delta.x)
                }
            }
            placed.append(((pen + 32) >> 6, g))
            pen += g.advance
            previous = g.index
        }
        return (placed, (pen + 32) >> 6)
    }

    private func glyph(_ code: UInt32) -> Glyph? {
        if let g = glyphs[code] { return g }
        guard FT_Load_Char(face, FT_ULong(code), Font.loadFlags) == 0, let slot = face.pointee.glyph else {
            return nil
        }
        let bitmap = slot.pointee.bitmap
        let rows = Int(bitmap.rows), width = Int(bitmap.width), pitch = Int(bitmap.pitch)
        var coverage = [UInt8](repeating: 0, count: rows * width)
        if bitmap.pixel_mode == UInt8(FT_PIXEL_MODE_GRAY.rawValue), let buffer = bitmap.buffer {
            // Rows may be stored bottom-up (negative pitch); index from each row's start.
            for r in 0..<rows {
                let rowStart = pitch >= 0 ? r * pitch : (r - rows + 1) * pitch
                for c in 0..<width { coverage[r * width + c] = buffer[rowStart + c] }
            }
        }
        let g = Glyph(index: FT_Get_Char_Index(face, FT_ULong(code)), left: Int(slot.pointee.bitmap_left),
                      top: Int(slot.pointee.bitmap_top), width: width, rows: rows,
                      advance: Int(slot.pointee.advance.x), coverage: coverage)
        glyphs[code] = g
        return g
    }
}
