import CPNG
import Foundation

/// An 8-bit RGB or grey image in row-major, interleaved order.
public struct Image8 {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(channels == 1 || channels == 3 || channels == 4, "channels must be 1, 3 or 4")
        precondition(pixels.count == width * height * channels, "pixel count does not match \(width)x\(height)x\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }
}

public struct ImageIOError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// PNG encoding through libpng's simplified API; files are written atomically.
public enum PNGWriter {
    public static func write(_ image: Image8, to path: String) throws {
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        img.width = UInt32(image.width)
        img.height = UInt32(image.height)
        switch image.channels {
        case 1: img.format = UInt32(PNG_FORMAT_GRAY)
        case 3: img.format = UInt32(PNG_FORMAT_RGB)
        default: img.format = UInt32(PNG_FORMAT_RGB) | UInt32(PNG_FORMAT_FLAG_ALPHA)
        }
        let tmp = path + ".tmp-\(getpid())"
        let ok = image.pixels.withUnsafeBytes { buf in
            png_image_write_to_file(&img, tmp, 0, buf.baseAddress, Int32(image.width * image.channels), nil)
        }
        if ok == 0 {
            let msg = withUnsafeBytes(of: img.message) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            unlink(tmp)
            throw ImageIOError("cannot write PNG \(path): \(msg)")
        }
        if rename(tmp, path) != 0 {
            unlink(tmp)
            throw ImageIOError("cannot write PNG \(path): \(String(cString: strerror(errno)))")
        }
    }
}
