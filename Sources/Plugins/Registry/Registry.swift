/// Ids → values (factories) for one kind of plugin. Ids are unique: registering one twice is
/// refused; resolving an unknown one fails with the list of known ones.
public struct Registry<Value> {
    /// What is registered, for messages: "generator architecture", "loss".
    public let kind: String
    public private(set) var ids: [String] = []
    private var values: [String: Value] = [:]

    public init(kind: String) { self.kind = kind }

    public mutating func register(_ id: String, _ value: Value) throws {
        try Self.validate(id: id, kind: kind)
        guard values[id] == nil else {
            throw PluginError(.duplicateID, "\(kind) '\(id)' is already registered; ids must be unique")
        }
        ids.append(id)
        values[id] = value
    }

    public func contains(_ id: String) -> Bool { values[id] != nil }

    public func resolve(_ id: String) throws -> Value {
        guard let v = values[id] else { throw unknown(id) }
        return v
    }

    /// The error for an unknown id, listing every known one.
    public func unknown(_ id: String) -> PluginError {
        PluginError(.unknownID, "unknown \(kind) '\(id)'; " + (ids.isEmpty ? "none is registered" : "known: \(ids.joined(separator: ", "))"))
    }

    /// Ids name folders (models/<id>/) and appear in commands: letters, digits, '.', '_' and
    /// '-', starting with a letter or digit.
    public static func validate(id: String, kind: String) throws {
        let ok = !id.isEmpty && id.count <= 100 && id.unicodeScalars.allSatisfy { c in
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "." || c == "_" || c == "-"
        } && id.unicodeScalars.first.map { $0 != "." && $0 != "-" && $0 != "_" } == true
        guard ok else {
            throw PluginError(.schema, "invalid \(kind) id '\(id)': use letters, digits, '.', '_' and '-', starting with a letter or digit (at most 100)")
        }
    }
}
