import Runtime

/// A feature network given by its graph and interface.
public final class GraphFeatureNet: FeatureNet {
    public let plugin: PluginModel
    public let input: Port
    public let preprocessing: ImagePreprocessing
    public let backend: BackendKind
    private var sessions: [String: Session] = [:]

    public init(_ plugin: PluginModel, backend: BackendKind = .dnnl) throws {
        let p = plugin.withPublicLayerNames()
        guard p.interface.kind == .featureNet, let x = p.interface.input(.image), let pre = p.interface.preprocessing else {
            throw PluginError(.invalidRequest, "'\(plugin.id)' is a \(plugin.interface.kind), not a feature net with an image input and preprocessing")
        }
        self.plugin = p
        input = x
        preprocessing = pre
        self.backend = backend
    }

    public var id: String { plugin.id }
    public var layers: [String] { plugin.interface.layerNames }
    public var defaultLayer: String? { plugin.interface.defaultLayer }

    public func featureGraph(range: ClosedRange<Float>, layers wanted: [String]) throws -> Graph {
        try check(wanted)
        var g = try GraphSurgery.prefix(plugin.model.graph, upTo: wanted)
        g.inputs.removeAll { $0.name == input.name }
        var b = GraphBuilder(g, opset: plugin.model.opset, prefix: "seeing.preprocess")
        let (source, scale, shift) = preprocessing.affine(from: range)
        var x = FeatureGraph.input
        if source != [0, 1, 2] {
            x = b.add("Gather", [x, b.constant(Tensor(shape: [3], int64s: source.map(Int64.init)), "order")], ["axis": .int(1)])
        }
        x = b.add("Mul", [x, b.constant(Tensor(shape: [1, 3, 1, 1], floats: scale), "scale")])
        x = b.add("Add", [x, b.constant(Tensor(shape: [1, 3, 1, 1], floats: shift), "shift")])
        if input.layout == "NHWC" { x = b.add("Transpose", [x], ["perm": .ints([0, 2, 3, 1])]) }
        // The preprocessing first, so that file order stays topological (inlining relies on it).
        let added = b.graph.nodes.count - g.nodes.count
        g = PluginModel.rename(b.graph, x, to: input.name)
        g.nodes = Array(g.nodes.suffix(added) + g.nodes.prefix(g.nodes.count - added))
        g.inputs = [ValueInfo(name: FeatureGraph.input, dtype: .float32,
                              shape: [.symbolic("N"), .fixed(3), .symbolic("H"), .symbolic("W")])]
        return g
    }

    public func features(_ images: Tensor, range: ClosedRange<Float>, layers wanted: [String]) throws -> [String: Tensor] {
        let key = "\(range)|" + wanted.joined(separator: ",")
        let session: Session
        if let s = sessions[key] {
            session = s
        } else {
            var m = plugin.model
            m.graph = try featureGraph(range: range, layers: wanted)
            session = try Session(model: m, backend: backend)
            sessions[key] = session
        }
        guard images.rank == 4, images.shape[1] == 3 else {
            throw PluginError(.invalidRequest, "feature net '\(id)': images must be [N, 3, H, W], got \(images.shape)")
        }
        return try session.run([FeatureGraph.input: images], outputs: wanted)
    }

    /// Features of a photograph, prepared per the preprocessing contract.
    public func features(of image: RGBImage, layers wanted: [String]) throws -> [String: Tensor] {
        try features(preprocessing.prepare(image).tensorNCHW(range: 0...255), range: 0...255, layers: wanted)
    }

    private func check(_ wanted: [String]) throws {
        guard !wanted.isEmpty else { throw PluginError(.invalidRequest, "feature net '\(id)': no layer given") }
        for l in wanted where !layers.contains(l) {
            throw PluginError(.invalidRequest, "feature net '\(id)' has no layer '\(l)'; layers: \(layers.joined(separator: ", "))")
        }
    }
}
