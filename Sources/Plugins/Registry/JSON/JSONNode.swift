import Foundation

/// A value inside a JSON document together with its path (`$.models[2].inputs[0].shape`), for
/// reading a schema with errors that say exactly where the problem is.
public struct JSONNode {
    public let value: JSONValue
    public let path: String
    /// Names the document in errors (a file path).
    public let source: String

    public init(_ value: JSONValue, path: String = "$", source: String) {
        self.value = value
        self.path = path
        self.source = source
    }

    public func error(_ message: String) -> PluginError {
        PluginError(.schema, "\(source): \(path): \(message)")
    }

    private func typeError(_ expected: String) -> PluginError {
        error("expected \(expected), got \(value.typeName)" + (value == .null ? "" : " (\(JSONPrinter.compact(value).prefix(60)))"))
    }

    // MARK: objects

    /// The object's members; fails unless the value is an object.
    public func members() throws -> [(key: String, value: JSONNode)] {
        guard case .object(let pairs) = value else { throw typeError("an object") }
        return pairs.map { ($0.key, JSONNode($0.value, path: "\(path).\($0.key)", source: source)) }
    }

    /// Refuses keys outside `allowed` (a typo would otherwise be silently ignored).
    public func checkKeys(_ allowed: [String]) throws {
        for (key, _) in try members() where !allowed.contains(key) {
            let close = allowed.filter { Self.editDistance($0.lowercased(), key.lowercased()) <= 2 }
            throw error("unknown key \"\(key)\"" + (close.isEmpty ? "" : " (did you mean \"\(close[0])\"?)")
                        + "; allowed: \(allowed.joined(separator: ", "))")
        }
    }

    /// The member `key`; absent or null is an error.
    public func require(_ key: String) throws -> JSONNode {
        guard let n = try optional(key) else { throw error("missing required key \"\(key)\"") }
        return n
    }

    /// The member `key`, or nil when absent or null.
    public func optional(_ key: String) throws -> JSONNode? {
        guard case .object = value else { throw typeError("an object") }
        guard let v = value[key], v != .null else { return nil }
        return JSONNode(v, path: "\(path).\(key)", source: source)
    }

    // MARK: scalars

    public func string() throws -> String {
        guard case .string(let s) = value else { throw typeError("a string") }
        return s
    }

    public func nonEmptyString() throws -> String {
        let s = try string()
        guard !s.trimmingCharacters(in: .whitespaces).isEmpty else { throw error("must not be empty") }
        return s
    }

    /// One of `choices`, named in the error otherwise.
    public func choice(_ choices: [String]) throws -> String {
        let s = try string()
        guard choices.contains(s) else {
            throw error("\"\(s)\" is not one of \(choices.map { "\"\($0)\"" }.joined(separator: ", "))")
        }
        return s
    }

    /// The case of `E` whose raw value the string is.
    public func choice<E: RawRepresentable & CaseIterable>(_: E.Type) throws -> E where E.RawValue == String {
        let s = try choice(E.allCases.map(\.rawValue))
        guard let e = E(rawValue: s) else { throw error("\"\(s)\" is not valid here") }
        return e
    }

    public func double() throws -> Double {
        guard case .number(let x) = value else { throw typeError("a number") }
        return x
    }

    public func int() throws -> Int {
        let x = try double()
        guard x == x.rounded(), abs(x) < 9_007_199_254_740_992 else { throw error("expected an integer, got \(x)") }
        return Int(x)
    }

    public func bool() throws -> Bool {
        guard case .bool(let b) = value else { throw typeError("true or false") }
        return b
    }

    // MARK: arrays

    public func array() throws -> [JSONNode] {
        guard case .array(let items) = value else { throw typeError("an array") }
        return items.enumerated().map { JSONNode($1, path: "\(path)[\($0)]", source: source) }
    }

    public func strings() throws -> [String] { try array().map { try $0.string() } }
    public func doubles() throws -> [Double] { try array().map { try $0.double() } }

    /// An array of exactly `count` numbers.
    public func doubles(count: Int) throws -> [Double] {
        let xs = try doubles()
        guard xs.count == count else { throw error("expected \(count) numbers, got \(xs.count)") }
        return xs
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var prev = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}
