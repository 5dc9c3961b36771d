import CCrypto
import Foundation

/// SHA-256 of data and files, to check model files against the hashes plugins.json records.
/// Foundation on Linux has no digest API; OpenSSL's libcrypto (EVP) computes it.
public final class SHA256 {
    private let context: OpaquePointer

    public init() {
        // Allocation failure of a few hundred bytes is not recoverable here.
        context = EVP_MD_CTX_new()!
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ data: UnsafeRawBufferPointer) {
        guard let base = data.baseAddress, data.count > 0 else { return }
        EVP_DigestUpdate(context, base, data.count)
    }

    public func update(_ data: Data) { data.withUnsafeBytes { update($0) } }

    /// The digest as 64 lowercase hex digits.
    public func finish() -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return digest.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }

    public static func hex(_ data: Data) -> String {
        let s = SHA256()
        s.update(data)
        return s.finish()
    }

    /// The file's digest, read in 4 MiB pieces.
    public static func hex(file path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PluginError(.io, "cannot read \(path)")
        }
        defer { try? handle.close() }
        let s = SHA256()
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty { s.update(chunk) }
        return s.finish()
    }
}
