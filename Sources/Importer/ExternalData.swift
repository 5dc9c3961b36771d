import Foundation

/// Tensor bytes stored outside the model file (`data_location: EXTERNAL`): `location` is a
/// path relative to the model's directory, `offset`/`length` select a byte range.
enum ExternalData {
    static func read(_ entries: [Onnx_StringStringEntryProto], expectedBytes: Int, baseDirectory: String?) throws -> Data {
        var fields: [String: String] = [:]
        for e in entries { fields[e.key] = e.value }
        guard let location = fields["location"], !location.isEmpty else {
            throw TensorDecodeError("external data has no 'location'")
        }
        guard let base = baseDirectory else {
            throw TensorDecodeError("external data '\(location)' cannot be resolved: the model was not loaded from a directory")
        }
        let path = try resolve(location, in: base)
        let offset = try number(fields["offset"], "offset") ?? 0
        let length = try number(fields["length"], "length")

        guard FileManager.default.fileExists(atPath: path) else {
            throw TensorDecodeError("external data file '\(location)' not found (looked for \(path))")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw TensorDecodeError("external data file \(path) cannot be opened")
        }
        defer { try? handle.close() }
        let fileSize = Int((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.intValue ?? 0)
        let wanted = length ?? max(fileSize - offset, 0)
        guard wanted == expectedBytes else {
            throw TensorDecodeError("external data in \(path) has \(wanted) bytes (offset \(offset)\(length == nil ? ", to end of file" : ", length \(wanted)")), "
                + "but the tensor needs \(expectedBytes)")
        }
        guard offset + wanted <= fileSize else {
            throw TensorDecodeError("external data file \(path) has \(fileSize) bytes, but offset \(offset) + length \(wanted) runs past its end")
        }
        do {
            try handle.seek(toOffset: UInt64(offset))
            let data = try handle.read(upToCount: wanted) ?? Data()
            guard data.count == wanted else {
                throw TensorDecodeError("external data file \(path): read \(data.count) of \(wanted) bytes at offset \(offset)")
            }
            return data
        } catch let e as TensorDecodeError {
            throw e
        } catch {
            throw TensorDecodeError("external data file \(path) cannot be read: \(error.localizedDescription)")
        }
    }

    /// `location` joined to `base`, refusing absolute paths and paths that leave `base`
    /// (through `..` or symbolic links): a model must not read arbitrary files.
    static func resolve(_ location: String, in base: String) throws -> String {
        guard !location.hasPrefix("/") else {
            throw TensorDecodeError("external data location '\(location)' is absolute; it must be relative to the model's directory")
        }
        let baseURL = URL(fileURLWithPath: base).standardizedFileURL.resolvingSymlinksInPath()
        let target = baseURL.appendingPathComponent(location).standardizedFileURL.resolvingSymlinksInPath()
        let root = baseURL.path.hasSuffix("/") ? baseURL.path : baseURL.path + "/"
        guard target.path.hasPrefix(root) else {
            throw TensorDecodeError("external data location '\(location)' escapes the model's directory \(baseURL.path)")
        }
        return target.path
    }

    static func number(_ text: String?, _ key: String) throws -> Int? {
        guard let text else { return nil }
        guard let v = Int(text), v >= 0 else {
            throw TensorDecodeError("external data '\(key)' is '\(text)', expected a non-negative integer")
        }
        return v
    }
}
