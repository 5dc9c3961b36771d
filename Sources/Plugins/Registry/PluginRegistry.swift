import Runtime

/// What an architecture factory builds from.
public struct ArchitectureInput {
    /// Checkpoint tensors by name (empty: a freshly initialised network).
    public var weights: StateDict
    /// The configuration from plugins.json (nil: none given; sizes come from the weights).
    public var config: JSONNode?
    /// Seed of the initialisation of whatever the weights do not supply.
    public var seed: UInt64

    public init(weights: StateDict = StateDict(), config: JSONNode? = nil, seed: UInt64 = 0) {
        self.weights = weights
        self.config = config
        self.seed = seed
    }

    /// Fails when a configuration was given to an architecture that reads it from the weights.
    public func refuseConfig(_ architecture: String) throws {
        guard let config, !(try config.members()).isEmpty else { return }
        throw config.error("architecture '\(architecture)' reads its configuration from the checkpoint; remove \"config\"")
    }
}

/// A built network and the interface that describes it.
public struct BuiltPlugin {
    public var network: BuiltNetwork
    public var interface: PluginInterface

    public init(network: BuiltNetwork, interface: PluginInterface) {
        self.network = network
        self.interface = interface
    }
}

/// Builds an architecture: weights bound by name, the rest seeded.
public typealias ArchitectureFactory = (ArchitectureInput) throws -> BuiltPlugin

/// What a loss or inversion-strategy factory gets: its configuration and the zoo (a perceptual
/// loss loads its feature net from it).
public struct ComponentInput {
    public var config: JSONNode?
    public var zoo: Zoo?

    public init(config: JSONNode? = nil, zoo: Zoo? = nil) {
        self.config = config
        self.zoo = zoo
    }
}

public typealias LossFactory = (ComponentInput) throws -> any Loss
public typealias InversionFactory = (ComponentInput) throws -> any InversionStrategy

/// One registry per kind of plugin. `standard()` holds the built-in architectures and losses;
/// a program may register more (an id may be registered once).
public struct PluginRegistry {
    public private(set) var generators = Registry<ArchitectureFactory>(kind: PluginKind.generator.architectureKind)
    public private(set) var segmenters = Registry<ArchitectureFactory>(kind: PluginKind.segmenter.architectureKind)
    public private(set) var featureNets = Registry<ArchitectureFactory>(kind: PluginKind.featureNet.architectureKind)
    public private(set) var encoders = Registry<ArchitectureFactory>(kind: PluginKind.encoder.architectureKind)
    public var inversions = Registry<InversionFactory>(kind: "inversion strategy")
    public var losses = Registry<LossFactory>(kind: "loss")

    /// The architecture of every model given as an ONNX file with its interface in plugins.json.
    public static let onnx = "onnx"

    /// Empty registries.
    public init() {}

    public func architectures(_ kind: PluginKind) -> Registry<ArchitectureFactory> {
        switch kind {
        case .generator: return generators
        case .segmenter: return segmenters
        case .featureNet: return featureNets
        case .encoder: return encoders
        }
    }

    /// Registers an architecture; its id must be new to every kind (`import --arch` finds an
    /// architecture by id alone).
    public mutating func register(_ kind: PluginKind, _ id: String, _ factory: @escaping ArchitectureFactory) throws {
        if let other = PluginKind.allCases.first(where: { $0 != kind && architectures($0).contains(id) }), id != Self.onnx {
            throw PluginError(.duplicateID, "architecture '\(id)' is already registered as a \(other.architectureKind); ids must be unique")
        }
        switch kind {
        case .generator: try generators.register(id, factory)
        case .segmenter: try segmenters.register(id, factory)
        case .featureNet: try featureNets.register(id, factory)
        case .encoder: try encoders.register(id, factory)
        }
    }

    /// The architecture `id` of whichever kind has it (ids are unique across kinds, except the
    /// generic `onnx`, which has no builder).
    public func architecture(_ id: String) throws -> (kind: PluginKind, build: ArchitectureFactory) {
        if id == Self.onnx {
            throw PluginError(.invalidRequest, "the generic '\(Self.onnx)' architecture has no builder: a model given as ONNX is added "
                + "with its file and a plugins.json entry (see docs/plugins.md), or imported onto a built-in architecture")
        }
        for kind in PluginKind.allCases {
            if let f = try? architectures(kind).resolve(id) { return (kind, f) }
        }
        let known = PluginKind.allCases.map { k in "\(k): " + architectures(k).ids.filter { $0 != Self.onnx }.joined(separator: ", ") }
        throw PluginError(.unknownID, "unknown architecture '\(id)'; known: " + known.joined(separator: "; "))
    }

    /// Registers `onnx` for every kind, so that it is known (and cannot be taken) everywhere.
    mutating func registerGenericONNX() throws {
        for kind in PluginKind.allCases {
            try register(kind, Self.onnx) { _ in
                throw PluginError(.invalidRequest, "the generic '\(Self.onnx)' architecture is loaded from its ONNX file (a file with role \"model\")")
            }
        }
    }
}
