import Foundation
import Runtime

/// The safetensors format: an 8-byte little-endian header length, a JSON header
/// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}`, then the
/// tensors' row-major little-endian bytes, offsets relative to the end of the header. Every
/// claim of the header is checked against the file before a byte is copied.
public enum SafeTensors {
    static let dtypes: [(code: String, dtype: DType)] = [
        ("F64", .float64), ("F32", .float32), ("F16", .float16), ("BF16", .bfloat16),
        ("I64", .int64), ("I32", .int32), ("I16", .int16), ("I8", .int8),
        ("U64", .uint64), ("U32", .uint32), ("U16", .uint16), ("U8", .uint8), ("BOOL", .bool),
    ]

    private struct Spec {
        var name: String
        var dtype: DType
        var shape: [Int]
        var begin: Int
        var end: Int
    }

    /// Tensors in the order of their data, and the `__metadata__` strings.
    static func decode(bytes: UnsafeRawBufferPointer, file: String) throws -> (StateDict, metadata: [String: String]) {
        func corrupt(_ tensor: String?, _ message: String) -> CheckpointError {
            CheckpointError(.corrupt, file: file, tensor: tensor, message)
        }
        let reader = ByteReader(bytes: bytes)
        guard let raw = reader.u64(0) else { throw corrupt(nil, "is too short for a safetensors header (\(bytes.count) bytes)") }
        guard raw <= UInt64(bytes.count - 8), let header = reader.slice(8, Int(raw)) else {
            throw corrupt(nil, "safetensors header length \(raw) exceeds the \(bytes.count)-byte file (truncated or not safetensors)")
        }
        let dataStart = 8 + header.count, dataSize = bytes.count - dataStart
        guard let json = try? JSONSerialization.jsonObject(with: Data(header)), let entries = json as? [String: Any] else {
            throw corrupt(nil, "safetensors header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        var specs: [Spec] = []
        for (name, value) in entries {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else { throw corrupt(nil, "__metadata__ is not a map of strings") }
                metadata = m
                continue
            }
            guard let info = value as? [String: Any], let code = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2 else {
                throw corrupt(name, "header entry needs 'dtype' (string), 'shape' (integers) and 'data_offsets' ([begin, end])")
            }
            guard let dtype = dtypes.first(where: { $0.code == code })?.dtype else {
                throw CheckpointError(.unsupported, file: file, tensor: name,
                                      "element type '\(code)' is not supported (supported: \(dtypes.map(\.code).joined(separator: " ")))")
            }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw corrupt(name, "negative dimension in shape \(shape)") }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end else { throw corrupt(name, "data_offsets [\(begin), \(end)] are not an ascending range") }
            guard end <= dataSize else {
                throw corrupt(name, "data_offsets [\(begin), \(end)] run past the \(dataSize)-byte data section (truncated?)")
            }
            var byteCount = dtype.byteSize
            for d in shape {
                let (m, overflow) = byteCount.multipliedReportingOverflow(by: d)
                guard !overflow else { throw corrupt(name, "shape \(shape) is too large") }
                byteCount = m
            }
            guard end - begin == byteCount else {
                throw corrupt(name, "data_offsets [\(begin), \(end)] hold \(end - begin) bytes, but \(code)\(shape) needs \(byteCount)")
            }
            specs.append(Spec(name: name, dtype: dtype, shape: shape, begin: begin, end: end))
        }
        // The data section must be exactly the tensors, back to back (as the reference
        // implementation requires): no overlaps, no holes, nothing after.
        specs.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var covered = 0
        for (i, s) in specs.enumerated() {
            if s.begin < covered {
                throw corrupt(s.name, "data_offsets [\(s.begin), \(s.end)] overlap those of '\(specs[i - 1].name)' "
                    + "[\(specs[i - 1].begin), \(specs[i - 1].end)]")
            }
            guard s.begin == covered else {
                throw corrupt(s.name, "data_offsets [\(s.begin), \(s.end)] leave bytes \(covered)..<\(s.begin) of the data section unused")
            }
            covered = s.end
        }
        guard covered == dataSize else {
            throw corrupt(nil, "the data section has \(dataSize - covered) bytes after the last tensor")
        }
        var stateDict = StateDict()
        for s in specs {
            let slice = UnsafeRawBufferPointer(rebasing: bytes[dataStart + s.begin ..< dataStart + s.end])
            stateDict[s.name] = Tensor(shape: s.shape, dtype: s.dtype, bytes: slice)
        }
        return (stateDict, metadata)
    }

    /// The bytes of a safetensors file holding `stateDict` in its order (header padded with
    /// spaces to 8 bytes, as the reference writer does, so that data starts aligned).
    public static func encode(_ stateDict: StateDict, metadata: [String: String] = [:]) throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var tensors: [Tensor] = []
        var offset = 0
        for name in stateDict.names {
            guard let t = stateDict[name]?.plain() else { continue }
            guard name != "__metadata__" else {
                throw CheckpointError(.unsupported, file: "<safetensors>", tensor: name, "the name is reserved for metadata")
            }
            guard let code = dtypes.first(where: { $0.dtype == t.dtype })?.code else {
                throw CheckpointError(.unsupported, file: "<safetensors>", tensor: name, "\(t.dtype) tensors cannot be written to safetensors")
            }
            header[name] = ["dtype": code, "shape": t.shape, "data_offsets": [offset, offset + t.byteCount]] as [String: Any]
            offset += t.byteCount
            tensors.append(t)
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes])
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var out = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        for t in tensors { t.withUnsafeBytes { out.append(contentsOf: $0) } }
        return out
    }

    /// Writes atomically (a temporary file, then a rename).
    public static func write(_ stateDict: StateDict, to path: String, metadata: [String: String] = [:]) throws {
        let data: Data
        do {
            data = try encode(stateDict, metadata: metadata)
        } catch var e as CheckpointError {
            e.file = path
            throw e
        }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CheckpointError(.io, file: path, "cannot write file: \(error.localizedDescription)")
        }
    }
}
