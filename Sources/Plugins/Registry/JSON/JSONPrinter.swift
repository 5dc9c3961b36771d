import Foundation

/// Writes `JSONValue`s. The pretty form indents by two spaces and keeps short, flat values
/// (a shape, a port, a list of labels) on one line, so that plugins.json stays readable when
/// `seeing import` rewrites it.
public enum JSONPrinter {
    /// Flat values whose one-line form is at most this long stay on one line.
    static let inlineWidth = 120

    public static func pretty(_ v: JSONValue) -> String { write(v, indent: 0) + "\n" }

    public static func compact(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let x): return number(x)
        case .string(let s): return quoted(s)
        case .array(let items): return "[" + items.map(compact).joined(separator: ", ") + "]"
        case .object(let pairs): return "{" + pairs.map { quoted($0.key) + ": " + compact($0.value) }.joined(separator: ", ") + "}"
        }
    }

    static func write(_ v: JSONValue, indent: Int) -> String {
        let one = compact(v)
        if isFlat(v) && one.count + indent <= inlineWidth { return one }
        let pad = String(repeating: " ", count: indent + 2), close = String(repeating: " ", count: indent)
        switch v {
        case .array(let items) where !items.isEmpty:
            return "[\n" + items.map { pad + write($0, indent: indent + 2) }.joined(separator: ",\n") + "\n" + close + "]"
        case .object(let pairs) where !pairs.isEmpty:
            return "{\n" + pairs.map { pad + quoted($0.key) + ": " + write($0.value, indent: indent + 2) }.joined(separator: ",\n")
                + "\n" + close + "}"
        default:
            return one
        }
    }

    /// Scalars, arrays of scalars (or of arrays of scalars), and objects whose values are
    /// scalars or arrays of scalars.
    static func isFlat(_ v: JSONValue) -> Bool {
        switch v {
        case .array(let items): return items.allSatisfy { isScalar($0) || isScalarArray($0) }
        case .object(let pairs): return pairs.allSatisfy { isScalar($0.value) || isScalarArray($0.value) }
        default: return true
        }
    }

    static func isScalar(_ v: JSONValue) -> Bool {
        switch v {
        case .array, .object: return false
        default: return true
        }
    }

    static func isScalarArray(_ v: JSONValue) -> Bool {
        if case .array(let items) = v { return items.allSatisfy(isScalar) }
        return false
    }

    static func number(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 9_007_199_254_740_992 { return String(Int64(x)) }
        return "\(x)"
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
