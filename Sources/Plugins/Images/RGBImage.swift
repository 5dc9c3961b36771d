/// An 8-bit RGB image: `pixels` holds height × width × 3 bytes, row-major and interleaved (HWC),
/// as decoded from PNG/JPEG and as PIL holds an RGB image. Tensors for models are made from it
/// at the end of preprocessing (see RGBImage+Tensor.swift), so resizing works on the same
/// 8-bit data a Python pipeline resizes.
public struct RGBImage: Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "image size must be positive, got \(width)x\(height)")
        precondition(pixels.count == width * height * 3, "pixel count does not match \(width)x\(height)x3")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Grey is repeated into R, G and B; an alpha channel is dropped (not composited).
    public init(_ image: Image8) {
        let n = image.width * image.height
        var px = [UInt8](repeating: 0, count: n * 3)
        image.pixels.withUnsafeBufferPointer { src in
            px.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    for c in 0..<3 {
                        dst[i * 3 + c] = src[i * image.channels + (image.channels == 1 ? 0 : c)]
                    }
                }
            }
        }
        self.init(width: image.width, height: image.height, pixels: px)
    }

    /// For PNGWriter and ImageGrid.
    public var image8: Image8 { Image8(width: width, height: height, channels: 3, pixels: pixels) }

    /// The (r, g, b) value at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        let i = (y * width + x) * 3
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }
}
