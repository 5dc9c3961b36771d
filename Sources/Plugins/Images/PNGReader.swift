import CPNG
import Foundation

/// PNG decoding through libpng's simplified API, which expands palette, grey, 1–16-bit and
/// tRNS files to 8-bit RGBA for us. 16-bit samples without colour information are taken as
/// sRGB-encoded (PNG_IMAGE_FLAG_16BIT_sRGB), so they are scaled to 8 bits, not gamma-mapped
/// as linear light. Alpha is dropped, as PIL's `convert("RGB")` does.
public enum PNGReader {
    public static func decode(_ data: Data, name: String) throws -> RGBImage {
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        let begun = data.withUnsafeBytes { png_image_begin_read_from_memory(&img, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw failure(&img, name) }
        let (w, h) = (Int(img.width), Int(img.height))
        guard w > 0, h > 0, w * h <= ImageReader.maxPixels else {
            png_image_free(&img)
            throw ImageIOError("cannot read PNG \(name): image is \(w)x\(h), more than the \(ImageReader.maxPixels) pixels allowed")
        }
        img.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)
        img.format = UInt32(PNG_FORMAT_RGB) | UInt32(PNG_FORMAT_FLAG_ALPHA)
        var rgba = [UInt8](repeating: 0, count: w * h * 4)
        let finished = rgba.withUnsafeMutableBytes { png_image_finish_read(&img, nil, $0.baseAddress, Int32(w * 4), nil) }
        guard finished != 0 else { throw failure(&img, name) }
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        for i in 0..<(w * h) {
            rgb[i * 3] = rgba[i * 4]
            rgb[i * 3 + 1] = rgba[i * 4 + 1]
            rgb[i * 3 + 2] = rgba[i * 4 + 2]
        }
        return RGBImage(width: w, height: h, pixels: rgb)
    }

    /// libpng's message; the simplified API has already freed its state when it fails.
    private static func failure(_ img: inout png_image, _ name: String) -> ImageIOError {
        let msg = withUnsafeBytes(of: img.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        png_image_free(&img)
        return ImageIOError("cannot read PNG \(name): \(msg.isEmpty ? "libpng failed" : msg)")
    }
}
