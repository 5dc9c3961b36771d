import Runtime

/// The kinds of model a registry holds; each has its own architecture registry.
public enum PluginKind: String, CaseIterable, CustomStringConvertible {
    case generator
    case segmenter
    case featureNet = "feature-net"
    case encoder

    public var description: String { rawValue }

    /// "generator architecture", for registry messages.
    public var architectureKind: String {
        switch self {
        case .generator: return "generator architecture"
        case .segmenter: return "segmenter architecture"
        case .featureNet: return "feature-net architecture"
        case .encoder: return "encoder architecture"
        }
    }
}

/// A named intermediate value: a generator's cut point, a feature net's feature layer. `tensor`
/// is the value's name in the graph when it differs from the public `name` (an ONNX export's
/// `functional_1/block4_conv2_1/Relu:0`); loading renames it to `name`.
public struct NamedLayer: Equatable, CustomStringConvertible {
    public var name: String
    public var tensor: String

    public init(_ name: String, tensor: String? = nil) {
        self.name = name
        self.tensor = tensor ?? name
    }

    public var description: String { tensor == name ? name : "\(name) (\(tensor))" }
}

/// Everything a program needs to drive a model besides its graph: kind, typed ports, named
/// layers, labels and preprocessing. Built-in architectures produce it from their
/// configuration; for a generic ONNX model it is read from plugins.json.
public struct PluginInterface: Equatable {
    public var kind: PluginKind
    public var inputs: [Port]
    public var outputs: [Port]
    public var layers: [NamedLayer]
    /// A generator's default cut for layer inversion; a feature net's default feature layer.
    public var defaultLayer: String?
    /// A segmenter's class names (index = label).
    public var labels: [String]?
    /// How images are brought to an image input (segmenters, feature nets, encoders).
    public var preprocessing: ImagePreprocessing?

    public init(kind: PluginKind, inputs: [Port], outputs: [Port], layers: [NamedLayer] = [], defaultLayer: String? = nil,
                labels: [String]? = nil, preprocessing: ImagePreprocessing? = nil) {
        self.kind = kind
        self.inputs = inputs
        self.outputs = outputs
        self.layers = layers
        self.defaultLayer = defaultLayer
        self.labels = labels
        self.preprocessing = preprocessing
    }

    public var layerNames: [String] { layers.map(\.name) }

    /// The port with `role`, else (for a single-port side) the only one.
    public func input(_ role: Port.Role) -> Port? {
        inputs.first { $0.role == role } ?? (inputs.count == 1 && inputs[0].role == nil ? inputs[0] : nil)
    }

    public func output(_ role: Port.Role) -> Port? {
        outputs.first { $0.role == role } ?? (outputs.count == 1 && outputs[0].role == nil ? outputs[0] : nil)
    }

    /// The roles each kind needs: a generator has a latent input and an image output; a
    /// segmenter an image input, score output and labels; a feature net an image input and
    /// layers; an encoder an image input and a latent output. `context` prefixes messages.
    public func validate(context: String) throws {
        func need(_ ok: Bool, _ what: String) throws {
            if !ok { throw PluginError(.schema, "\(context): a \(kind) needs \(what)") }
        }
        switch kind {
        case .generator:
            try need(input(.latent) != nil, "an input with role \"latent\"")
            try need(output(.image) != nil, "an output with role \"image\"")
            if let z = input(.latent) {
                try need(z.perSampleShape != nil, "a latent shape that is fixed apart from the batch, got \(z.shapeDescription)")
            }
        case .segmenter:
            try need(input(.image) != nil, "an input with role \"image\"")
            try need(output(.scores) != nil, "an output with role \"scores\"")
            try need(!(labels ?? []).isEmpty, "\"labels\"")
            try need(preprocessing != nil, "\"preprocessing\"")
            if let s = output(.scores), let c = s.chw?.c, let labels {
                try need(c == labels.count || (c == 1 && labels.count == 2),
                         "as many labels as score channels: \(labels.count) labels for \(c) channels of \(s.description)")
            }
        case .featureNet:
            try need(input(.image) != nil, "an input with role \"image\"")
            try need(!layers.isEmpty, "\"layers\" (the feature layers)")
            try need(preprocessing != nil, "\"preprocessing\"")
        case .encoder:
            // An image (or, for a layer encoder, a generator layer) in; a latent or layer out.
            try need(inputs.count == 1, "one input")
            try need(outputs.count == 1, "one output")
        }
        if let d = defaultLayer { try need(layerNames.contains(d), "its default layer '\(d)' among its layers (\(layerNames.joined(separator: ", ")))") }
        var seen = Set<String>()
        for l in layers where !seen.insert(l.name).inserted {
            throw PluginError(.schema, "\(context): layer '\(l.name)' is listed twice")
        }
        for p in inputs + outputs where [.image, .scores].contains(p.role) {
            try need(p.shape.count == 4, "a 4-dimensional \(p.role!.rawValue) port, got \(p.description)")
        }
    }
}
