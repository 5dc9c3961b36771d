import Foundation

/// An opaque 8-bit RGB colour.
public struct RGBColor: Equatable, CustomStringConvertible {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// From 0xRRGGBB.
    public init(hex: UInt32) {
        self.init(UInt8((hex >> 16) & 0xFF), UInt8((hex >> 8) & 0xFF), UInt8(hex & 0xFF))
    }

    public static let white = RGBColor(255, 255, 255)
    public static let black = RGBColor(0, 0, 0)

    public var description: String { String(format: "#%02x%02x%02x", r, g, b) }
}

/// An integer pixel rectangle: columns x..<x+width, rows y..<y+height.
public struct PixelRect: Equatable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The rectangle spanning [x0, x1) × [y0, y1), given its edges in any order.
    public init(x0: Int, y0: Int, x1: Int, y1: Int) {
        self.init(x: min(x0, x1), y: min(y0, y1), width: abs(x1 - x0), height: abs(y1 - y0))
    }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var midX: Int { x + width / 2 }
    public var midY: Int { y + height / 2 }

    public func contains(x px: Int, y py: Int) -> Bool { px >= x && px < maxX && py >= y && py < maxY }
}

/// A small RGB8 raster to draw charts on. Everything is clipped to the canvas, so callers may
/// draw partly outside it; fractional geometry (lines, disks) is anti-aliased by pixel coverage.
public struct Canvas {
    public let width: Int
    public let height: Int
    /// height × width × 3 bytes, row-major, interleaved RGB.
    public private(set) var pixels: [UInt8]

    public init(width: Int, height: Int, background: RGBColor = .white) {
        precondition(width > 0 && height > 0, "canvas size must be positive, got \(width)x\(height)")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fill(PixelRect(x: 0, y: 0, width: width, height: height), background)
    }

    public subscript(x: Int, y: Int) -> RGBColor {
        let i = (y * width + x) * 3
        return RGBColor(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    public mutating func fill(_ rect: PixelRect, _ color: RGBColor) {
        let x0 = max(rect.x, 0), x1 = min(rect.maxX, width)
        let y0 = max(rect.y, 0), y1 = min(rect.maxY, height)
        guard x0 < x1, y0 < y1 else { return }
        pixels.withUnsafeMutableBufferPointer { p in
            for y in y0..<y1 {
                var i = (y * width + x0) * 3
                for _ in x0..<x1 {
                    p[i] = color.r
                    p[i + 1] = color.g
                    p[i + 2] = color.b
                    i += 3
                }
            }
        }
    }

    /// Mixes `color` over the pixel with weight `coverage` (0…255); outside the canvas it does nothing.
    public mutating func blend(x: Int, y: Int, _ color: RGBColor, coverage: Int) {
        guard coverage > 0, x >= 0, x < width, y >= 0, y < height else { return }
        let a = min(coverage, 255)
        let i = (y * width + x) * 3
        func mix(_ bg: UInt8, _ fg: UInt8) -> UInt8 {
            UInt8((Int(bg) * (255 - a) + Int(fg) * a + 127) / 255)
        }
        pixels[i] = mix(pixels[i], color.r)
        pixels[i + 1] = mix(pixels[i + 1], color.g)
        pixels[i + 2] = mix(pixels[i + 2], color.b)
    }

    /// A one-or-more pixel thick horizontal line over columns x0..<x1; `dash` is (on, off) pixels.
    public mutating func horizontalLine(y: Int, from x0: Int, to x1: Int, _ color: RGBColor,
                                        thickness: Int = 1, dash: (on: Int, off: Int)? = nil) {
        guard let dash, dash.on > 0, dash.off > 0 else {
            fill(PixelRect(x: x0, y: y, width: x1 - x0, height: thickness), color)
            return
        }
        for start in stride(from: x0, to: x1, by: dash.on + dash.off) {
            fill(PixelRect(x: start, y: y, width: min(dash.on, x1 - start), height: thickness), color)
        }
    }

    /// A one-or-more pixel thick vertical line over rows y0..<y1.
    public mutating func verticalLine(x: Int, from y0: Int, to y1: Int, _ color: RGBColor, thickness: Int = 1) {
        fill(PixelRect(x: x, y: y0, width: thickness, height: y1 - y0), color)
    }

    /// A one-pixel outline just inside `rect`.
    public mutating func stroke(_ rect: PixelRect, _ color: RGBColor) {
        horizontalLine(y: rect.y, from: rect.x, to: rect.maxX, color)
        horizontalLine(y: rect.maxY - 1, from: rect.x, to: rect.maxX, color)
        verticalLine(x: rect.x, from: rect.y, to: rect.maxY, color)
        verticalLine(x: rect.maxX - 1, from: rect.y, to: rect.maxY, color)
    }

    /// An anti-aliased segment `lineWidth` wide with round ends, in pixel coordinates where
    /// pixel (i, j) covers [i, i+1) × [j, j+1).
    public mutating func line(from a: (x: Double, y: Double), to b: (x: Double, y: Double), _ color: RGBColor,
                              lineWidth: Double = 1) {
        let half = lineWidth / 2
        let dx = b.x - a.x, dy = b.y - a.y
        let length2 = dx * dx + dy * dy
        coverageLoop(minX: min(a.x, b.x) - half, maxX: max(a.x, b.x) + half,
                     minY: min(a.y, b.y) - half, maxY: max(a.y, b.y) + half, color) { px, py in
            // Distance from the pixel centre to the segment.
            let t = length2 > 0 ? max(0, min(1, ((px - a.x) * dx + (py - a.y) * dy) / length2)) : 0
            let ex = px - (a.x + t * dx), ey = py - (a.y + t * dy)
            return half + 0.5 - (ex * ex + ey * ey).squareRoot()
        }
    }

    /// An anti-aliased filled disk.
    public mutating func disk(center c: (x: Double, y: Double), radius: Double, _ color: RGBColor) {
        coverageLoop(minX: c.x - radius, maxX: c.x + radius, minY: c.y - radius, maxY: c.y + radius, color) { px, py in
            radius + 0.5 - ((px - c.x) * (px - c.x) + (py - c.y) * (py - c.y)).squareRoot()
        }
    }

    /// Blends `color` into every pixel of the box whose centre gets a coverage (0…1, clamped) from `coverage`.
    private mutating func coverageLoop(minX: Double, maxX: Double, minY: Double, maxY: Double, _ color: RGBColor,
                                       coverage: (Double, Double) -> Double) {
        guard minX.isFinite, maxX.isFinite, minY.isFinite, maxY.isFinite else { return }
        let x0 = max(Int((minX - 1).rounded(.down)), 0), x1 = min(Int((maxX + 1).rounded(.up)), width - 1)
        let y0 = max(Int((minY - 1).rounded(.down)), 0), y1 = min(Int((maxY + 1).rounded(.up)), height - 1)
        guard x0 <= x1, y0 <= y1 else { return }
        for y in y0...y1 {
            for x in x0...x1 {
                let c = coverage(Double(x) + 0.5, Double(y) + 0.5)
                if c > 0 { blend(x: x, y: y, color, coverage: Int((min(c, 1) * 255).rounded())) }
            }
        }
    }

    public var image8: Image8 { Image8(width: width, height: height, channels: 3, pixels: pixels) }

    /// Writes the canvas as an RGB PNG, atomically (see PNGWriter).
    public func writePNG(to path: String) throws {
        try PNGWriter.write(image8, to: path)
    }
}
