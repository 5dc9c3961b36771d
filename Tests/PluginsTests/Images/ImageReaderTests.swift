import Foundation
import Plugins
import XCTest

final class ImageReaderTests: XCTestCase {
    private func assertDecodes(_ name: String, tolerance: Int = 0, file: StaticString = #filePath, line: UInt = #line) throws {
        let image = try ImageReader.read(path: ImageFixtures.path(name))
        let want = try ImageFixtures.expected(name)
        XCTAssertEqual(image.width, want.width, name, file: file, line: line)
        XCTAssertEqual(image.height, want.height, name, file: file, line: line)
        XCTAssertLessThanOrEqual(ImageFixtures.maxDifference(image.pixels, want.pixels), tolerance, name, file: file, line: line)
        XCTAssertEqual(image.pixels.count, want.pixels.count, name, file: file, line: line)
    }

    func testPNGColourTypesAndBitDepthsDecodeToRGB() throws {
        // grey 8-bit, grey+alpha, RGBA (alpha dropped), 16-bit RGB (scaled), 2-bit palette with
        // tRNS, 1-bit grey: expectations computed with numpy from the arrays written.
        for name in ["grey8.png", "grey_alpha.png", "rgba.png", "rgb16.png", "palette.png", "grey1.png"] {
            try assertDecodes(name)
        }
    }

    func testJPEGDecodesLikePillow() throws {
        // Same libjpeg-turbo defaults as Pillow: 4:4:4 and greyscale are bit-exact; 4:2:0 goes
        // through fancy upsampling, also identical in both.
        for name in ["rgb444.jpg", "grey.jpg", "rgb420.jpg"] {
            try assertDecodes(name)
        }
    }

    func testPNGRoundTripThroughWriter() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seeing-png-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let rgb = (0..<(5 * 3 * 3)).map { UInt8(($0 * 37) % 256) }
        let cases: [(Image8, [UInt8])] = [
            (Image8(width: 5, height: 3, channels: 3, pixels: rgb), rgb),
            (Image8(width: 5, height: 3, channels: 1, pixels: Array(rgb[0..<15])), rgb[0..<15].flatMap { [$0, $0, $0] }),
            (Image8(width: 5, height: 3, channels: 4, pixels: (0..<60).map { UInt8($0 * 4) }),
             (0..<15).flatMap { p in (0..<3).map { UInt8((p * 4 + $0) * 4) } }),
        ]
        for (k, (image, want)) in cases.enumerated() {
            let path = dir.appendingPathComponent("\(k).png").path
            try PNGWriter.write(image, to: path)
            let back = try ImageReader.read(path: path)
            XCTAssertEqual([back.width, back.height], [5, 3])
            XCTAssertEqual(back.pixels, want, "\(image.channels)-channel round trip")
            XCTAssertEqual(back, RGBImage(image), "RGBImage(Image8) agrees with the decoder")
        }
    }

    func testCorruptAndMissingFilesFailNamingTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seeing-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: ImageFixtures.path("rgb444.jpg")))
        var png = try Data(contentsOf: URL(fileURLWithPath: ImageFixtures.path("rgba.png")))
        let truncatedPNG = png.prefix(png.count / 2)
        png[png.count / 2] ^= 0xFF   // inside IDAT: the chunk CRC no longer matches
        let files: [(String, Data?, String)] = [
            ("missing.png", nil, "no such file"),
            ("empty.jpg", Data(), "not a PNG or JPEG"),
            ("text.png", Data("hello, world".utf8), "not a PNG or JPEG"),
            ("truncated.jpg", jpeg.prefix(jpeg.count / 2), "JPEG"),
            ("header-only.jpg", jpeg.prefix(4), "JPEG"),
            ("truncated.png", truncatedPNG, "PNG"),
            ("bad-crc.png", png, "PNG"),
        ]
        for (name, data, reason) in files {
            let path = dir.appendingPathComponent(name).path
            if let data { try data.write(to: URL(fileURLWithPath: path)) }
            XCTAssertThrowsError(try ImageReader.read(path: path), name) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(path), "\(name): error does not name the file: \(text)")
                XCTAssertTrue(text.contains(reason), "\(name): expected '\(reason)' in: \(text)")
            }
        }
    }

    func testRealPhotographDecodesLikePillow() throws {
        let path = try ImageFixtures.cachedPhoto("china.jpg")
        let image = try ImageReader.read(path: path)
        let china = try XCTUnwrap(try ImageFixtures.json()["china.jpg"] as? [String: Any], "rerun make_fixtures.py with china.jpg fetched")
        XCTAssertEqual(image.width, china["width"] as? Int)
        XCTAssertEqual(image.height, china["height"] as? Int)
        for s in try XCTUnwrap(china["samples"] as? [[Int]]) {
            let (r, g, b) = image[s[0], s[1]]
            XCTAssertEqual([Int(r), Int(g), Int(b)], Array(s[2...]), "pixel (\(s[0]), \(s[1]))")
        }
    }
}
