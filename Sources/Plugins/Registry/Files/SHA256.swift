import CSHA256
import Foundation

/// SHA-256 of data and files, to check model files against the hashes plugins.json records
/// (Foundation on Linux has no digest API; the compression runs in C, see Sources/CSHA256).
public struct SHA256 {
    private var context = csha256_context()

    public init() { csha256_init(&context) }

    public mutating func update(_ data: UnsafeRawBufferPointer) {
        guard let base = data.baseAddress, data.count > 0 else { return }
        csha256_update(&context, base, data.count)
    }

    public mutating func update(_ data: Data) { data.withUnsafeBytes { update($0) } }

    /// The digest as 64 lowercase hex digits.
    public mutating func finish() -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        csha256_final(&context, &digest)
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    public static func hex(_ data: Data) -> String {
        var s = SHA256()
        s.update(data)
        return s.finish()
    }

    /// The file's digest, read in 4 MiB pieces.
    public static func hex(file path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PluginError(.io, "cannot read \(path)")
        }
        defer { try? handle.close() }
        var s = SHA256()
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty { s.update(chunk) }
        return s.finish()
    }
}
