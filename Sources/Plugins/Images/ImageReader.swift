import Foundation

/// Reads PNG and JPEG files into `RGBImage`s, choosing the decoder by the file's signature
/// (not its extension). Every failure is an `ImageIOError` that names the file.
public enum ImageReader {
    /// Larger images are refused before any pixel buffer is allocated (a corrupt header can
    /// claim gigapixels).
    public static let maxPixels = 1 << 28

    public static func read(path: String) throws -> RGBImage {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? error.localizedDescription : "no such file"
            throw ImageIOError("cannot read image \(path): \(reason)")
        }
        return try decode(data, name: path)
    }

    /// `name` identifies the data in errors (a path, a URL).
    public static func decode(_ data: Data, name: String) throws -> RGBImage {
        if data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return try PNGReader.decode(data, name: name)
        }
        if data.starts(with: [0xFF, 0xD8, 0xFF]) {
            return try JPEGReader.decode(data, name: name)
        }
        let head = data.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
        throw ImageIOError("cannot read image \(name): not a PNG or JPEG file (\(data.count) bytes, starts \(head.isEmpty ? "empty" : head))")
    }
}
