import Runtime

/// Reads back the type spellings `GraphImporter.typeName` keeps in `ValueInfo.unsupportedType`
/// for values the runtime cannot hold (`seq(tensor(float32))`, `map(int64,tensor(float32))`,
/// `tensor(string)`, `opaque(domain.name)`, …), so that export declares them as they were.
enum TypeSpelling {
    /// nil for text that is not such a spelling.
    static func typeProto(_ text: String) -> Onnx_TypeProto? {
        var rest = Substring(text)
        guard let t = parseType(&rest), rest.isEmpty else { return nil }
        return t
    }

    /// Element type names (`DType.onnxName`) → ONNX codes.
    static let codes: [String: Int32] = {
        var m: [String: Int32] = [:]
        for c in 0...32 { m[DType.onnxName(c)] = Int32(c) }
        return m
    }()

    static func elementCode(_ name: Substring) -> Int32? {
        if let c = codes[String(name)] { return c }
        if name.hasPrefix("dtype#") { return Int32(name.dropFirst(6)) }
        return nil
    }

    static func parseType(_ s: inout Substring) -> Onnx_TypeProto? {
        var t = Onnx_TypeProto()
        if s.hasPrefix("undefined") {
            s = s.dropFirst("undefined".count)
            return t
        }
        guard let open = s.firstIndex(of: "(") else { return nil }
        let kind = s[..<open]
        s = s[s.index(after: open)...]
        switch kind {
        case "tensor", "sparse_tensor":
            guard let name = word(&s), let code = elementCode(name) else { return nil }
            if kind == "tensor" {
                t.tensorType.elemType = code
            } else {
                t.sparseTensorType.elemType = code
            }
        case "seq", "optional":
            guard let elem = parseType(&s) else { return nil }
            if kind == "seq" {
                t.sequenceType.elemType = elem
            } else {
                t.optionalType.elemType = elem
            }
        case "map":
            guard let key = word(&s), let code = elementCode(key), s.first == "," else { return nil }
            s = s.dropFirst()
            guard let value = parseType(&s) else { return nil }
            t.mapType.keyType = code
            t.mapType.valueType = value
        case "opaque":
            // The domain may hold dots; the name follows the last one.
            guard let full = word(&s), let dot = full.lastIndex(of: ".") else { return nil }
            t.opaqueType.domain = String(full[..<dot])
            t.opaqueType.name = String(full[full.index(after: dot)...])
        default:
            return nil
        }
        guard s.first == ")" else { return nil }
        s = s.dropFirst()
        return t
    }

    /// Characters up to the next `,` or `)`.
    static func word(_ s: inout Substring) -> Substring? {
        let end = s.firstIndex { $0 == "," || $0 == ")" } ?? s.endIndex
        let w = s[..<end]
        s = s[end...]
        return w.isEmpty ? nil : w
    }
}
