import Foundation

/// Whether a listed file is on disk as plugins.json pins it (size, then sha256).
public enum FileStatus: Equatable, CustomStringConvertible {
    case present
    case missing
    case wrongSize(Int)
    case wrongHash(String)

    public var description: String {
        switch self {
        case .present: return "present"
        case .missing: return "missing"
        case .wrongSize(let n): return "wrong size (\(n) bytes)"
        case .wrongHash: return "sha256 mismatch"
        }
    }
}

public enum FileCheck {
    /// Digests already computed in this process, by path, size and modification time: a model
    /// used several times is hashed once.
    nonisolated(unsafe) private static var known: [String: String] = [:]
    private static let lock = NSLock()

    public static func status(_ file: ModelFile, at path: String) -> FileStatus {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              (attributes[.type] as? FileAttributeType) != .typeDirectory else { return .missing }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
        guard size == file.bytes else { return .wrongSize(size) }
        let stamp = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let key = "\(path)|\(size)|\(stamp)"
        lock.lock()
        var digest = known[key]
        lock.unlock()
        if digest == nil {
            guard let d = try? SHA256.hex(file: path) else { return .missing }
            digest = d
            lock.lock()
            known[key] = d
            lock.unlock()
        }
        return digest == file.sha256 ? .present : .wrongHash(digest!)
    }

    /// Fails unless the file is present and intact, saying how to get it when it is missing
    /// and giving both hashes when it differs. `owner` is the model or data set id.
    public static func require(_ file: ModelFile, at path: String, owner: String) throws {
        switch status(file, at: path) {
        case .present:
            return
        case .missing:
            throw PluginError(.missingFile, "\(owner): file \(file.path) is missing (\(path)); " + hint(file, owner: owner))
        case .wrongSize(let n):
            throw PluginError(.hashMismatch, "\(owner): \(file.path) has \(n) bytes, plugins.json records \(file.bytes); "
                + "the file is not the one registered (" + hint(file, owner: owner) + ")")
        case .wrongHash(let got):
            throw PluginError(.hashMismatch, "\(owner): \(file.path) has sha256 \(got), plugins.json records \(file.sha256); "
                + "the file is not the one registered (" + hint(file, owner: owner) + ")")
        }
    }

    static func hint(_ file: ModelFile, owner: String) -> String {
        file.isFetchable
            ? "fetch it with `seeing zoo fetch \(owner)` (or `python3 scripts/fetch-models.py \(owner)`)"
            : "it has no fetch recipe: it was written by `seeing import`; import the model again (see its provenance in plugins.json)"
    }
}
