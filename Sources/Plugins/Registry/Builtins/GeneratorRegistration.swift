import Runtime

extension PluginRegistry {
    /// Registers a `GeneratorArchitecture`: sizes from the checkpoint (or the reference
    /// configuration without one), the interface from its metadata.
    /// `configure`, when given, applies an entry's "config" object to the configuration the
    /// checkpoint implies (for settings a checkpoint cannot hold, like StyleGAN's truncation);
    /// without it a "config" is refused.
    public mutating func registerGenerator<A: GeneratorArchitecture>(_ id: String, _ architecture: A.Type,
                                                                  configure: ((inout A.Config, JSONNode) throws -> Void)? = nil) throws {
        try register(.generator, id) { input in
            var config: A.Config? = nil
            if let configure, let node = input.config {
                var c = try A.config(inferredFrom: input.weights)
                try configure(&c, node)
                config = c
            } else {
                try input.refuseConfig(id)
            }
            let network = try A.build(weights: input.weights, config: config, seed: input.seed)
            // The configuration actually built, read back from the built parameters.
            let metadata = try A.metadata(A.config(inferredFrom: network.stateDict))
            return BuiltPlugin(network: network, interface: .generator(metadata, layers: network.namedLayers))
        }
    }
}

extension PluginInterface {
    /// A generator's interface from its architecture's metadata.
    public static func generator(_ m: GeneratorMetadata, layers: [String]) -> PluginInterface {
        let batch = PortDim.symbolic("N")
        let z = Port(name: m.latentInput, shape: [batch] + m.latentShape.map(PortDim.fixed), role: .latent,
                     distribution: LatentDistribution(rawValue: m.latentDistribution) ?? .normal)
        let image = Port(name: m.imageOutput, shape: [batch] + m.imageShape.map(PortDim.fixed), role: .image,
                         layout: m.layout, range: m.outputRange)
        return PluginInterface(kind: .generator, inputs: [z], outputs: [image], layers: layers.map { NamedLayer($0) },
                               defaultLayer: m.defaultCut)
    }
}
