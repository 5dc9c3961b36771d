import Foundation
import Plugins
import XCTest

final class FontTests: XCTestCase {
    private func font(_ size: Int = 20) throws -> Font { try Font.chartFont(pixelSize: size) }

    func testLocatorFindsDejaVuSans() throws {
        let path = try FontLocator.defaultFontPath(environment: [:])
        XCTAssertTrue(path.hasSuffix("/DejaVuSans.ttf"), path)
    }

    func testLocatorRejectsAMissingOverride() {
        XCTAssertThrowsError(try FontLocator.defaultFontPath(environment: ["SEEING_FONT": "/nonexistent/x.ttf"])) { error in
            XCTAssertTrue("\(error)".contains("SEEING_FONT=/nonexistent/x.ttf"), "\(error)")
        }
    }

    func testUnreadableFontIsAnError() {
        XCTAssertThrowsError(try Font(path: "/nonexistent/font.ttf", pixelSize: 12)) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/font.ttf"), "\(error)")
        }
        XCTAssertThrowsError(try Font(path: "/etc/hostname", pixelSize: 12))  // not a font
    }

    func testGlyphHasInkWithinTheLineBox() throws {
        let f = try font()
        let a = f.render("A")
        let ink = try XCTUnwrap(a.inkBounds)
        XCTAssertGreaterThan(a.coverage.max() ?? 0, 200, "a 20 px glyph has fully covered pixels")
        XCTAssertTrue(a.coverage.contains { $0 > 0 && $0 < 255 }, "edges are anti-aliased")
        // A capital sits on the baseline and reaches well above it.
        XCTAssertEqual(ink.maxY, a.baseline, accuracy: 1)
        XCTAssertGreaterThan(a.baseline - ink.y, 10)
        XCTAssertLessThanOrEqual(a.baseline - ink.y, f.ascent)
    }

    func testWiderStringsMeasureWider() throws {
        let f = try font()
        XCTAssertEqual(f.measure(""), 0)
        XCTAssertGreaterThan(f.measure("W"), 0)
        XCTAssertGreaterThan(f.measure("WWW"), 2 * f.measure("W"))
        XCTAssertLessThan(f.measure("iii"), f.measure("WWW"))
        XCTAssertGreaterThan(try font(40).measure("wall"), f.measure("wall"))
        XCTAssertNil(f.render("   ").inkBounds, "spaces have no ink")
        XCTAssertEqual(f.render("chair").advance, f.measure("chair"))
    }

    /// DejaVu Sans has a kern table with the classic "AV" pair: kerned, it is narrower than apart.
    func testKerning() throws {
        let f = try font(40)
        XCTAssertLessThan(f.measure("AV"), f.measure("A") + f.measure("V"))
    }

    func testTruncationFitsWithAnEllipsis() throws {
        let f = try font()
        XCTAssertEqual(f.truncated("bed", toFit: 500), "bed")
        let short = f.truncated("television receiver", toFit: 80)
        XCTAssertTrue(short.hasSuffix("…"), short)
        XCTAssertLessThanOrEqual(f.measure(short), 80)
    }

    /// Horizontal text is wider than tall; rotated text is taller than wide and grows upwards
    /// from its pen (it reads bottom to top).
    func testRotatedTextRunsUpwards() throws {
        let f = try font()
        func inkBox(_ text: String, rotated: Bool) -> PixelRect? {
            var c = Canvas(width: 200, height: 200)
            c.draw(text, font: f, at: 100, 150, anchor: TextAnchor(.leading, .baseline), .black, rotated: rotated)
            return CanvasInk.bounds(c, in: PixelRect(x: 0, y: 0, width: 200, height: 200))
        }
        let flat = try XCTUnwrap(inkBox("person", rotated: false))
        XCTAssertGreaterThan(flat.width, 2 * flat.height)
        let up = try XCTUnwrap(inkBox("person", rotated: true))
        XCTAssertGreaterThan(up.height, 2 * up.width)
        XCTAssertLessThanOrEqual(up.maxY, 151, "starts at the pen")
        let longer = try XCTUnwrap(inkBox("personperson", rotated: true))
        XCTAssertLessThan(longer.y, up.y - 20, "more text reaches higher")
        XCTAssertEqual(longer.maxY, up.maxY, accuracy: 1)
        XCTAssertLessThan(up.maxX, 100 + f.descent + 1, "glyph tops face left of the baseline column")
    }
}

/// Finding ink (non-white pixels) on a canvas or a decoded image.
enum CanvasInk {
    static func bounds(_ c: Canvas, in rect: PixelRect, darkerThan limit: Int = 255) -> PixelRect? {
        bounds(in: rect) { x, y in let p = c[x, y]; return min(p.r, p.g, p.b) < limit }
    }

    static func bounds(in rect: PixelRect, isInk: (Int, Int) -> Bool) -> PixelRect? {
        var minX = Int.max, minY = Int.max, maxX = Int.min, maxY = Int.min
        for y in rect.y..<rect.maxY {
            for x in rect.x..<rect.maxX where isInk(x, y) {
                minX = min(minX, x)
                maxX = max(maxX, x)
                minY = min(minY, y)
                maxY = max(maxY, y)
            }
        }
        return maxX < minX ? nil : PixelRect(x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1)
    }
}
