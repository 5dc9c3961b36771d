import Foundation
import Plugins
import XCTest

final class CanvasTests: XCTestCase {
    func testFillIsClippedToTheCanvas() {
        var c = Canvas(width: 10, height: 8, background: .white)
        c.fill(PixelRect(x: -5, y: 6, width: 8, height: 10), .black)
        XCTAssertEqual(c[0, 7], .black)
        XCTAssertEqual(c[2, 6], .black)
        XCTAssertEqual(c[3, 6], .white)
        XCTAssertEqual(c[0, 5], .white)
        c.blend(x: -1, y: 100, .black, coverage: 255)  // outside: ignored
        c.line(from: (-50, -50), to: (-20, -20), .black, lineWidth: 3)
    }

    func testBlendMixesByCoverage() {
        var c = Canvas(width: 2, height: 1, background: .white)
        c.blend(x: 0, y: 0, RGBColor(0, 0, 255), coverage: 128)
        // 255 · (255 − 128) / 255 = 127 for red and green; blue stays 255.
        XCTAssertEqual(c[0, 0], RGBColor(127, 127, 255))
        c.blend(x: 1, y: 0, .black, coverage: 0)
        XCTAssertEqual(c[1, 0], .white)
    }

    func testAntiAliasedLineCoversItsWidth() {
        var c = Canvas(width: 20, height: 20)
        // Two pixels wide, centred on the boundary between rows 9 and 10.
        c.line(from: (3, 10), to: (16, 10), .black, lineWidth: 2)
        XCTAssertEqual(c[8, 9], .black)
        XCTAssertEqual(c[8, 10], .black)
        XCTAssertEqual(c[8, 7], .white)
        XCTAssertEqual(c[8, 12], .white)
        // A diagonal leaves partly covered pixels at its edges.
        c.line(from: (2, 2), to: (8, 5), .black, lineWidth: 1)
        XCTAssertTrue((0..<20).contains { x in (0..<9).contains { y in let v = c[x, y].r; return v > 0 && v < 255 } })
    }

    func testDashedLineHasGaps() {
        var c = Canvas(width: 20, height: 3)
        c.horizontalLine(y: 1, from: 0, to: 20, .black, dash: (on: 3, off: 2))
        let row = (0..<20).map { c[$0, 1] == .black }
        XCTAssertEqual(row, (0..<20).map { $0 % 5 < 3 })
    }

    func testPNGRoundTrip() throws {
        var c = Canvas(width: 7, height: 5, background: RGBColor(hex: 0x102030))
        c.fill(PixelRect(x: 2, y: 1, width: 3, height: 2), RGBColor(hex: 0xFF8000))
        let path = NSTemporaryDirectory() + "canvas-\(getpid()).png"
        defer { unlink(path) }
        try c.writePNG(to: path)
        let image = try ImageReader.read(path: path)
        XCTAssertEqual(image.pixels, c.pixels)
        XCTAssertEqual(image[3, 2] == (255, 128, 0), true)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp-\(getpid())"))
    }
}
