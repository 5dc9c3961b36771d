/// One model instance of plugins.json: what it is (kind, architecture, interface), where its
/// files are and how to get them, and where it comes from (licence, provenance).
public struct ModelEntry: Equatable {
    public var id: String
    public var architecture: String
    public var description: String
    public var licence: String
    public var provenance: String
    public var files: [ModelFile]
    /// Read the checkpoint's tensors under this prefix (`netG_state_dict` of a training checkpoint).
    public var checkpointPrefix: String?
    /// The architecture's configuration (an object, or null: inferred from the weights).
    public var config: JSONValue
    /// The ai.onnx opset of the graph.
    public var opset: Int
    public var interface: PluginInterface

    public init(id: String, architecture: String, description: String = "", licence: String, provenance: String,
                files: [ModelFile], checkpointPrefix: String? = nil, config: JSONValue = .null, opset: Int,
                interface: PluginInterface) {
        self.id = id
        self.architecture = architecture
        self.description = description
        self.licence = licence
        self.provenance = provenance
        self.files = files
        self.checkpointPrefix = checkpointPrefix
        self.config = config
        self.opset = opset
        self.interface = interface
    }

    public var kind: PluginKind { interface.kind }

    /// The file loading uses: the ONNX graph or the checkpoint.
    public var primaryFile: ModelFile? { files.first { $0.role == .model || $0.role == .weights } }
}

/// A data set (test photographs) of plugins.json: files with fetch recipes, no interface.
public struct DataEntry: Equatable {
    public var id: String
    public var description: String
    public var licence: String
    public var provenance: String
    public var files: [ModelFile]
}
