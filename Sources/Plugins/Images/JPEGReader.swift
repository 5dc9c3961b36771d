import CJPEG
import Foundation

/// JPEG decoding through libjpeg-turbo with its defaults (accurate integer IDCT, fancy
/// upsampling: what PIL uses), grey expanded to RGB. A file that ends early is an error rather
/// than an image padded with grey; CMYK files are refused.
public enum JPEGReader {
    public static func decode(_ data: Data, name: String) throws -> RGBImage {
        var w: Int32 = 0, h: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let buffer = data.withUnsafeBytes { raw in
            seeing_jpeg_decode_rgb(raw.bindMemory(to: UInt8.self).baseAddress, UInt(raw.count), UInt(ImageReader.maxPixels),
                                   &w, &h, &message, message.count)
        }
        guard let buffer else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw ImageIOError("cannot read JPEG \(name): \(text.isEmpty ? "libjpeg failed" : text)")
        }
        defer { free(buffer) }
        let pixels = Array(UnsafeBufferPointer(start: buffer, count: Int(w) * Int(h) * 3))
        return RGBImage(width: Int(w), height: Int(h), pixels: pixels)
    }
}
