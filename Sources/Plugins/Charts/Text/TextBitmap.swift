/// A line of text rasterised to grey coverage (0 = none, 255 = full ink), positioned relative to
/// its pen: the pen starts at column `originX` on row `baseline` and advances `advance` pixels.
public struct TextBitmap {
    public let width: Int
    public let height: Int
    /// width × height coverage values, row-major.
    public let coverage: [UInt8]
    public let originX: Int
    public let baseline: Int
    public let advance: Int

    /// Columns and rows holding any ink, or nil for an empty bitmap (e.g. only spaces).
    public var inkBounds: PixelRect? {
        var minX = width, minY = height, maxX = -1, maxY = -1
        for y in 0..<height {
            for x in 0..<width where coverage[y * width + x] > 0 {
                minX = min(minX, x)
                maxX = max(maxX, x)
                minY = min(minY, y)
                maxY = max(maxY, y)
            }
        }
        return maxX < 0 ? nil : PixelRect(x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1)
    }
}
