import Plugins
import Runtime
import XCTest

final class ImageResizeTests: XCTestCase {
    private func fixtureRGB() throws -> RGBImage {
        // rgba.png holds the same 16x12 ramp make_fixtures.py resized with Pillow.
        try ImageReader.read(path: ImageFixtures.path("rgba.png"))
    }

    func testBilinearResizeMatchesPillowWithinOneLevel() throws {
        let source = try fixtureRGB()
        for (w, h) in [(7, 5), (40, 30), (16, 5), (3, 12)] {
            let want = try ImageFixtures.expected("\(w)x\(h)", in: "resize")
            let got = try source.resized(width: w, height: h)
            XCTAssertEqual([got.width, got.height], [w, h])
            XCTAssertLessThanOrEqual(ImageFixtures.maxDifference(got.pixels, want.pixels), 1, "\(w)x\(h)")
        }
    }

    func testDownscalingAveragesInsteadOfSampling() throws {
        // A 1-pixel checkerboard shrunk 4x: antialiasing gives flat grey (127.5 ± rounding);
        // four-tap bilinear sampling would give black or white stripes.
        let px = (0..<(16 * 16)).flatMap { i -> [UInt8] in
            let v: UInt8 = (i % 16 + i / 16) % 2 == 0 ? 255 : 0
            return [v, v, v]
        }
        let small = try RGBImage(width: 16, height: 16, pixels: px).resized(width: 4, height: 4)
        for v in small.pixels { XCTAssert((120...135).contains(v), "got \(v)") }
        let flat = try RGBImage(width: 9, height: 7, pixels: [UInt8](repeating: 77, count: 9 * 7 * 3)).resized(width: 23, height: 3)
        XCTAssertEqual(Set(flat.pixels), [77], "weights are normalised")
    }

    func testShorterSideResizeAndCentreCropGeometry() throws {
        // Column index encoded in the red channel, row index in green.
        func ramp(_ w: Int, _ h: Int) -> RGBImage {
            RGBImage(width: w, height: h, pixels: (0..<(w * h)).flatMap { [UInt8($0 % w), UInt8($0 / w), 0] })
        }
        let landscape = RGBImage(width: 640, height: 427, pixels: [UInt8](repeating: 9, count: 640 * 427 * 3))
        let l = try landscape.resizedShorterSide(to: 256)
        XCTAssertEqual([l.width, l.height], [383, 256], "int(256 * 640 / 427) = 383")
        let p = try RGBImage(width: 427, height: 640, pixels: landscape.pixels).resizedShorterSide(to: 256)
        XCTAssertEqual([p.width, p.height], [256, 383])
        // round((W - w) / 2) with ties to even: 1 → 0, 3 → 2 (round(1.5) = 2), 4 → 2.
        for (w, left) in [(11, 0), (13, 2), (14, 2)] {
            let c = try ramp(w, 12).centreCropped(width: 10, height: 12)
            XCTAssertEqual(c[0, 0].0, UInt8(left), "width \(w)")
            XCTAssertEqual(c[9, 11].0, UInt8(left + 9))
            XCTAssertEqual(c[9, 11].1, 11)
        }
        let sq = try ramp(40, 60).shorterSideResizedAndCentreCropped(to: 40)
        XCTAssertEqual([sq.width, sq.height], [40, 40])
        XCTAssertEqual(sq[0, 0].1, 10, "rows 10..<50 kept")
        XCTAssertEqual(try ramp(5, 5).resized(width: 5, height: 5), ramp(5, 5))
    }

    func testBadGeometryThrows() throws {
        let img = RGBImage(width: 4, height: 3, pixels: [UInt8](repeating: 0, count: 36))
        XCTAssertThrowsError(try img.resized(width: 0, height: 3))
        XCTAssertThrowsError(try img.cropped(x: 2, y: 0, width: 3, height: 3))
        XCTAssertThrowsError(try img.centreCropped(width: 5, height: 3))
    }

    func testTensorLayouts() throws {
        let img = RGBImage(width: 2, height: 1, pixels: [0, 51, 255, 102, 153, 204])
        let nhwc = img.tensorNHWC()
        XCTAssertEqual(nhwc.shape, [1, 1, 2, 3])
        XCTAssertEqual(nhwc.floats, [0, 0.2, 1, 0.4, 0.6, 0.8].map { Float($0) }, "v / 255")
        let nchw = img.tensorNCHW()
        XCTAssertEqual(nchw.shape, [1, 3, 1, 2])
        // Planes R, G, B; v / 255 * 2 - 1.
        let want: [Float] = [-1, -0.2, -0.6, 0.2, 1, 0.6]
        for (a, b) in zip(nchw.floats, want) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testRealPhotographPreprocessingMatchesTorchvision() throws {
        let image = try ImageReader.read(path: ImageFixtures.cachedPhoto("china.jpg"))
        let china = try XCTUnwrap(try ImageFixtures.json()["china.jpg"] as? [String: Any])
        let prepared = try image.shorterSideResizedAndCentreCropped(to: 256)
        XCTAssertEqual([prepared.width, prepared.height], [256, 256])
        for s in try XCTUnwrap(china["prepared256"] as? [[Int]]) {
            let (r, g, b) = prepared[s[0], s[1]]
            for (got, want) in zip([r, g, b], s[2...]) {
                XCTAssertLessThanOrEqual(abs(Int(got) - want), 1, "pixel (\(s[0]), \(s[1]))")
            }
        }
    }
}
