import Foundation

/// NumPy `.npy` files (format versions 1.0, 2.0 and 3.0): little-endian, C-order arrays of
/// the numeric dtypes a `Tensor` holds.
public enum NPY {
    public struct FormatError: Error, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59] // "\x93NUMPY"

    /// numpy `descr` type code (without byte-order prefix) ↔ dtype.
    static let codes: [(String, DType)] = [
        ("f4", .float32), ("f8", .float64), ("f2", .float16), ("i8", .int64), ("i4", .int32),
        ("i2", .int16), ("i1", .int8), ("u1", .uint8), ("u2", .uint16), ("u4", .uint32),
        ("u8", .uint64), ("b1", .bool),
    ]

    // MARK: reading

    public static func read(path: String) throws -> Tensor {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw FormatError(path: path, message: "cannot read file: \(error.localizedDescription)")
        }
        return try decode(data, source: path)
    }

    /// Parses the bytes of a .npy file; `source` names it in errors.
    public static func decode(_ data: Data, source: String = "<npy>") throws -> Tensor {
        func fail(_ m: String) -> FormatError { FormatError(path: source, message: m) }
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw fail("not a .npy file (missing \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("unsupported .npy format version \(major).\(bytes[7]) (expected 1.0, 2.0 or 3.0)")
        }
        guard data.count >= headerStart + headerLength else { throw fail("truncated header") }
        let headerBytes = data.subdata(in: data.startIndex + headerStart ..< data.startIndex + headerStart + headerLength)
        // Version 3 allows UTF-8 in the header; 1 and 2 are latin-1 (ASCII in practice).
        guard let header = String(data: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw fail("header is not text")
        }
        let (dtype, shape) = try parseHeader(header, fail: fail)
        let payloadStart = headerStart + headerLength
        var count = 1
        for d in shape {
            let (m, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw fail("shape \(shape) is too large") }
            count = m
        }
        let byteCount = count * dtype.byteSize
        let available = data.count - payloadStart
        guard available >= byteCount else {
            throw fail("data is truncated: \(dtype)\(shape) needs \(byteCount) bytes, file has \(available)")
        }
        return data.withUnsafeBytes { raw in
            let slice = UnsafeRawBufferPointer(rebasing: raw[payloadStart ..< payloadStart + byteCount])
            return Tensor(shape: shape, dtype: dtype, bytes: slice)
        }
    }

    /// Reads `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
    static func parseHeader(_ header: String, fail: (String) -> FormatError) throws -> (DType, [Int]) {
        func value(of key: String) -> Substring? {
            guard let k = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
            var rest = header[k.upperBound...].drop { $0 == " " }
            guard rest.first == ":" else { return nil }
            rest = rest.dropFirst().drop { $0 == " " }
            return rest
        }
        guard var descr = value(of: "descr"), let quote = descr.first, quote == "'" || quote == "\"" else {
            throw fail("header has no 'descr': \(header)")
        }
        descr = descr.dropFirst()
        guard let end = descr.firstIndex(of: quote) else { throw fail("malformed 'descr' in header: \(header)") }
        var code = String(descr[..<end])
        if let first = code.first, "<>|=".contains(first) {
            if first == ">" && !code.hasSuffix("1") {
                throw fail("big-endian dtype '\(code)' is not supported (only little-endian)")
            }
            code.removeFirst()
        }
        if code == "?" { code = "b1" }
        guard let dtype = codes.first(where: { $0.0 == code })?.1 else {
            throw fail("unsupported dtype '\(code)' (supported: \(codes.map(\.0).joined(separator: " ")))")
        }
        guard let fortran = value(of: "fortran_order") else { throw fail("header has no 'fortran_order': \(header)") }
        if fortran.hasPrefix("True") {
            throw fail("fortran_order=True arrays are not supported; save a C-ordered array (np.ascontiguousarray)")
        }
        guard fortran.hasPrefix("False") else { throw fail("malformed 'fortran_order' in header: \(header)") }
        guard let shapeText = value(of: "shape"), shapeText.first == "(",
              let close = shapeText.firstIndex(of: ")") else {
            throw fail("header has no 'shape' tuple: \(header)")
        }
        var shape: [Int] = []
        for part in shapeText[shapeText.index(after: shapeText.startIndex) ..< close].split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "L"))
            if t.isEmpty { continue }
            guard let d = Int(t), d >= 0 else { throw fail("bad dimension '\(t)' in shape: \(header)") }
            shape.append(d)
        }
        return (dtype, shape)
    }

    // MARK: writing

    /// The bytes of a .npy file holding `tensor` (version 1.0 unless the header needs 2.0).
    public static func encode(_ tensor: Tensor) throws -> Data {
        let t = tensor.plain()
        guard let code = codes.first(where: { $0.1 == t.dtype })?.0 else {
            throw FormatError(path: "<npy>", message: "cannot write \(t.dtype) tensors to .npy")
        }
        let byteOrder = t.dtype.byteSize == 1 ? "|" : "<"
        let shapeText = t.shape.isEmpty ? "()" : t.shape.count == 1 ? "(\(t.shape[0]),)"
            : "(" + t.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(byteOrder)\(code)', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad with spaces so that magic + length field + header + "\n" is a multiple of 64.
        let v1 = header.utf8.count + 64 <= 65535
        let prefix = v1 ? 10 : 12
        let total = (prefix + header.utf8.count + 1 + 63) / 64 * 64
        header += String(repeating: " ", count: total - prefix - header.utf8.count - 1) + "\n"
        var out = Data(magic)
        let len = header.utf8.count
        if v1 {
            out.append(contentsOf: [1, 0, UInt8(len & 0xFF), UInt8(len >> 8)])
        } else {
            out.append(contentsOf: [2, 0, UInt8(len & 0xFF), UInt8((len >> 8) & 0xFF), UInt8((len >> 16) & 0xFF), UInt8(len >> 24)])
        }
        out.append(contentsOf: Array(header.utf8))
        t.withUnsafeBytes { out.append(contentsOf: $0) }
        return out
    }

    /// Writes atomically: a temporary file in the same directory, then a rename, so readers
    /// never see a half-written file.
    public static func write(_ tensor: Tensor, to path: String) throws {
        let data = try encode(tensor)
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw FormatError(path: path, message: "cannot write file: \(error.localizedDescription)")
        }
    }
}
