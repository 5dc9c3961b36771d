import Runtime

/// `encoder-conv`: `ConvEncoder` with its configuration from plugins.json or, without one,
/// from the checkpoint's shapes (block count → image size, head → latent).
enum ConvEncoderPlugin {
    static func build(_ input: ArchitectureInput) throws -> BuiltPlugin {
        let config = try input.config.map(decode) ?? inferred(from: input.weights)
        let network = try ConvEncoder.build(weights: input.weights, config: config, seed: input.seed)
        let batch = PortDim.symbolic("N")
        let image = Port(name: ConvEncoder.inputName, shape: [batch, .fixed(config.imageChannels), .fixed(config.imageSize), .fixed(config.imageSize)],
                         role: .image, layout: "NCHW", range: -1...1)
        let latent = Port(name: ConvEncoder.outputName, shape: [batch, .fixed(config.latent), .fixed(1), .fixed(1)], role: .latent)
        return BuiltPlugin(network: network, interface: PluginInterface(kind: .encoder, inputs: [image], outputs: [latent],
                                                                        layers: network.namedLayers.map { NamedLayer($0) }))
    }

    static func decode(_ n: JSONNode) throws -> ConvEncoder.Config {
        try n.checkKeys(["imageSize", "latent", "imageChannels", "width"])
        return ConvEncoder.Config(imageSize: try n.require("imageSize").int(), latent: try n.require("latent").int(),
                                  imageChannels: try n.optional("imageChannels")?.int() ?? 3, width: try n.optional("width")?.int() ?? 64)
    }

    static func inferred(from weights: StateDict) throws -> ConvEncoder.Config {
        guard let first = weights["block1.conv.weight"]?.shape, first.count == 4, let head = weights["head.weight"]?.shape, head.count == 4 else {
            throw PluginError(.weights, "encoder-conv: without a \"config\" the checkpoint must have block1.conv.weight and head.weight "
                + "(4-dimensional) to read the sizes from")
        }
        var blocks = 1
        while weights["block\(blocks + 1).conv.weight"] != nil { blocks += 1 }
        return ConvEncoder.Config(imageSize: 4 << blocks, latent: head[0], imageChannels: first[1], width: first[0])
    }
}
