import Foundation

/// plugins.json, loaded and validated: the model instances and data sets, the directory their
/// relative paths start from, and the document itself (so an update keeps what people wrote).
public struct PluginCatalog {
    /// The file it was read from (nil: an empty catalog).
    public let path: String?
    /// Where relative file paths start: the directory of plugins.json.
    public let root: String
    public let models: [ModelEntry]
    public let data: [DataEntry]
    let document: JSONValue

    public static let fileName = "plugins.json"
    /// Names a plugins.json to use instead of searching for one.
    public static let environmentVariable = "SEEING_PLUGINS"

    /// A catalog with no models, rooted at `root`.
    public init(root: String) {
        path = nil
        self.root = root
        models = []
        data = []
        document = .object([("schema", .int(PluginsSchema.version)), ("models", .array([]))])
    }

    public init(path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw PluginError(FileManager.default.fileExists(atPath: path) ? .io : .missingFile,
                              "cannot read \(path): \(FileManager.default.fileExists(atPath: path) ? error.localizedDescription : "no such file")")
        }
        try self.init(data: data, path: path)
    }

    public init(data: Data, path: String) throws {
        let doc: JSONValue
        do {
            doc = try JSONParser.parse(data)
        } catch let e as JSONSyntaxError {
            throw PluginError(.schema, "\(path): not valid JSON: \(e)")
        }
        (models, self.data) = try PluginsSchema.document(JSONNode(doc, source: path))
        self.path = path
        root = URL(fileURLWithPath: path).deletingLastPathComponent().path
        document = doc
    }

    /// plugins.json for a command: `explicit` (--plugins), else $SEEING_PLUGINS, else the first
    /// plugins.json in the current directory or above it; nil when there is none.
    public static func locate(explicit: String? = nil, from directory: String = FileManager.default.currentDirectoryPath) -> String? {
        if let explicit { return explicit }
        if let env = ProcessInfo.processInfo.environment[environmentVariable], !env.isEmpty { return env }
        var dir = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            let candidate = dir.appendingPathComponent(fileName).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { return nil }
            dir = parent
        }
    }

    public var ids: [String] { models.map(\.id) }

    public func model(_ id: String) throws -> ModelEntry {
        guard let m = models.first(where: { $0.id == id }) else {
            let known = models.map(\.id)
            let more = data.contains { $0.id == id } ? " ('\(id)' is a data set, not a model)" : ""
            throw PluginError(.unknownID, "unknown model '\(id)'\(more); " + (known.isEmpty
                ? "\(path ?? "the registry") lists no models" : "registered: \(known.joined(separator: ", "))"))
        }
        return m
    }

    /// The absolute path of a file listed in this catalog.
    public func absolute(_ relative: String) -> String {
        (root as NSString).appendingPathComponent(relative)
    }

    /// The document with `entry` added at the end of "models", or in place of the model with
    /// the same id when `replacing` (otherwise an existing id is refused).
    public func adding(_ entry: ModelEntry, replacing: Bool) throws -> JSONValue {
        var items: [JSONValue] = []
        if case .array(let a)? = document["models"] { items = a }
        let json = PluginsSchema.json(entry)
        if !replacing || data.contains(where: { $0.id == entry.id }) { try refuseExisting(entry.id) }
        if let i = items.firstIndex(where: { $0["id"] == .string(entry.id) }) {
            items[i] = json
        } else {
            items.append(json)
        }
        return document.setting("models", .array(items))
    }

    /// Fails when `id` is already a model (or data set) of this catalog.
    public func refuseExisting(_ id: String) throws {
        let file = path ?? PluginCatalog.fileName
        if models.contains(where: { $0.id == id }) {
            throw PluginError(.duplicateID, "model '\(id)' is already in \(file); choose another --id or pass --force to replace it")
        }
        if data.contains(where: { $0.id == id }) {
            throw PluginError(.duplicateID, "'\(id)' is already a data set id in \(file); choose another --id")
        }
    }

    /// Writes `document` to `path` atomically (a temporary file in the same directory, synced,
    /// then renamed over it), after checking that it reads back as a valid catalog.
    public static func write(_ document: JSONValue, to path: String) throws {
        let text = JSONPrinter.pretty(document)
        _ = try PluginCatalog(data: Data(text.utf8), path: path)
        let url = URL(fileURLWithPath: path)
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            guard FileManager.default.createFile(atPath: temp.path, contents: nil), let h = FileHandle(forWritingAtPath: temp.path) else {
                throw PluginError(.io, "cannot create \(temp.path)")
            }
            try h.write(contentsOf: Data(text.utf8))
            try h.synchronize()
            try h.close()
            guard rename(temp.path, path) == 0 else {
                throw PluginError(.io, "cannot move the new \(url.lastPathComponent) into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temp)
            if let e = error as? PluginError { throw e }
            throw PluginError(.io, "cannot write \(path): \(error.localizedDescription)")
        }
    }
}
