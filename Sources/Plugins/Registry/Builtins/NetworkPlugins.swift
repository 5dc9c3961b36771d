import Runtime

/// The registrations of the built-in networks (Architectures/Networks): each reads its
/// configuration from plugins.json's "config" (keys as in its Config) over what the checkpoint
/// implies, builds, and describes the graph; output shapes come from one batch-1 pass.
enum NetworkPlugins {
    // MARK: upernet (segmenter)

    static func upernet(_ input: ArchitectureInput) throws -> BuiltPlugin {
        var c = input.weights.isEmpty ? UPerNet.Config() : try UPerNet.config(inferredFrom: input.weights)
        if let n = input.config {
            try n.checkKeys(["classes", "height", "width", "baseWidth", "blocks", "ppmChannels", "fpnChannels", "poolScales",
                             "pooling", "includePreprocessing"])
            c.classes = try n.optional("classes")?.int() ?? c.classes
            c.height = try n.optional("height")?.int() ?? c.height
            c.width = try n.optional("width")?.int() ?? c.width
            c.baseWidth = try n.optional("baseWidth")?.int() ?? c.baseWidth
            c.blocks = try n.optional("blocks")?.array().map { try $0.int() } ?? c.blocks
            c.ppmChannels = try n.optional("ppmChannels")?.int() ?? c.ppmChannels
            c.fpnChannels = try n.optional("fpnChannels")?.int() ?? c.fpnChannels
            c.poolScales = try n.optional("poolScales")?.array().map { try $0.int() } ?? c.poolScales
            c.pooling = try n.optional("pooling")?.choice(WholeMapPooling.self) ?? c.pooling
            c.includePreprocessing = try n.optional("includePreprocessing")?.bool() ?? c.includePreprocessing
        }
        let network = try UPerNet.build(weights: input.weights, config: c, seed: input.seed)
        let contract = UPerNet.input(for: c)
        let image = Port(name: UPerNet.inputName, shape: [.symbolic("N"), .fixed(3), .fixed(c.height), .fixed(c.width)], role: .image,
                         layout: "NCHW", range: contract.range)
        // The released model's class names are not part of the checkpoint: a plugins.json entry names them.
        let interface = PluginInterface(kind: .segmenter, inputs: [image],
                                        outputs: [try probedPort(network, UPerNet.outputName, role: .scores, activation: .probabilities)],
                                        layers: network.namedLayers.map { NamedLayer($0) }, defaultLayer: nil,
                                        labels: (0..<c.classes).map { "class\($0)" },
                                        preprocessing: ImagePreprocessing(contract, size: [c.height, c.width]))
        return BuiltPlugin(network: network, interface: interface)
    }

    // MARK: vgg16 (feature net)

    static func vgg16(_ input: ArchitectureInput) throws -> BuiltPlugin {
        var c = VGG16Features.Config(through: "pool5")
        if let n = input.config {
            try n.checkKeys(["through", "preprocessing"])
            c.through = try n.optional("through")?.string() ?? c.through
            switch try n.optional("preprocessing")?.choice(["none", "imagenet", "keras"]) ?? "none" {
            case "imagenet": c.preprocessing = VGG16Features.imagenet
            case "keras": c.preprocessing = VGG16Features.kerasCaffe
            default: c.preprocessing = .none
            }
        }
        if let s = input.weights["features.0.weight"]?.shape, s.count == 4 {
            c.baseWidth = s[0]
            c.inputChannels = s[1]
        }
        let network = try VGG16Features.build(weights: input.weights, config: c, seed: input.seed)
        let image = Port(name: VGG16Features.inputName, shape: [.symbolic("N"), .fixed(c.inputChannels), .symbolic("H"), .symbolic("W")],
                         role: .image, layout: "NCHW", range: -1...1)
        let last = try probedPort(network, c.through, role: .features, feeding: [1, c.inputChannels, 32, 32])
        var output = last
        output.shape = [.symbolic("N"), last.shape[1], .symbolic("H'"), .symbolic("W'")]  // fully convolutional
        let layers = network.namedLayers
        return BuiltPlugin(network: network, interface: PluginInterface(
            kind: .featureNet, inputs: [image], outputs: [output], layers: layers.map { NamedLayer($0) },
            defaultLayer: layers.contains("relu4_2") ? "relu4_2" : layers.last,
            preprocessing: ImagePreprocessing(range: -1...1)))
    }

    // MARK: encoders

    static func encoderResNet18(_ input: ArchitectureInput) throws -> BuiltPlugin {
        var c = EncoderResNet18.config(inferredFrom: input.weights)
        if let n = input.config {
            try n.checkKeys(["height", "width"])
            c.height = try n.optional("height")?.int() ?? c.height
            c.width = try n.optional("width")?.int() ?? c.width
        }
        let network = try EncoderResNet18.build(weights: input.weights, config: c, seed: input.seed)
        return try encoder(network, input: EncoderResNet18.input(for: c), output: EncoderResNet18.outputName, outputRole: .features)
    }

    static func encoderLayer(_ input: ArchitectureInput) throws -> BuiltPlugin {
        var c = input.weights.isEmpty || input.config?.value["kind"] != nil ? EncoderLayer.Config()
            : try EncoderLayer.config(inferredFrom: input.weights)
        if let n = input.config {
            try n.checkKeys(["kind", "channels", "inChannels", "height", "width"])
            c.kind = try n.optional("kind")?.choice(EncoderLayer.Kind.self) ?? c.kind
            if let s = input.weights["conv1.weight"]?.shape, s.count == 4 { (c.channels, c.inChannels) = (s[0], s[1]) }
            c.channels = try n.optional("channels")?.int() ?? c.channels
            c.inChannels = try n.optional("inChannels")?.int() ?? c.inChannels
            c.height = try n.optional("height")?.int() ?? c.height
            c.width = try n.optional("width")?.int() ?? c.width
        }
        let network = try EncoderLayer.build(weights: input.weights, config: c, seed: input.seed)
        return try encoder(network, input: EncoderLayer.input(for: c), output: c.kind.outputName,
                           inputRole: .features, outputRole: c.kind == .e1 ? .latent : .features)
    }

    static func encoderHybrid(_ input: ArchitectureInput) throws -> BuiltPlugin {
        var c = HybridEncoder.config(inferredFrom: input.weights)
        if let n = input.config {
            try n.checkKeys(["height", "width"])
            c.resnet.height = try n.optional("height")?.int() ?? c.resnet.height
            c.resnet.width = try n.optional("width")?.int() ?? c.resnet.width
        }
        let network = try HybridEncoder.build(weights: input.weights, config: c, seed: input.seed)
        return try encoder(network, input: HybridEncoder.input(for: c), output: "z", outputRole: .latent)
    }

    static func encoder(_ network: BuiltNetwork, input contract: InputContract, output: String, inputRole: Port.Role = .image,
                        outputRole: Port.Role) throws -> BuiltPlugin {
        let name = network.inputs[0]
        var x = Port(name: name, shape: [.symbolic("N"), .fixed(contract.channels)] + [contract.height, contract.width].map { d in d.map(PortDim.fixed) ?? .symbolic("S") },
                     role: inputRole, layout: "NCHW")
        if inputRole == .image { x.range = contract.range }
        let y = try probedPort(network, output, role: outputRole)
        return BuiltPlugin(network: network, interface: PluginInterface(
            kind: .encoder, inputs: [x], outputs: [y], layers: network.namedLayers.filter { $0 != output }.map { NamedLayer($0) }))
    }

    // MARK: helpers

    /// The port of graph value `name`, its shape from one batch-1 run on zeros (`feeding`:
    /// the input's shape, else the declared one).
    static func probedPort(_ network: BuiltNetwork, _ name: String, role: Port.Role, activation: ScoreActivation? = nil,
                           feeding: [Int]? = nil) throws -> Port {
        let g = network.model.graph
        guard let input = g.runtimeInputs.first else { throw PluginError(.verification, "\(g.name) has no input") }
        let shape = try feeding ?? (input.shape ?? []).enumerated().map { i, d -> Int in
            if i == 0 { return 1 }
            guard let v = d.value else { throw PluginError(.verification, "\(g.name): input '\(input.name)' has a free dimension \(i)") }
            return v
        }
        let out = try Session(model: network.model).run([input.name: Tensor(zeros: shape)], outputs: [name])
        guard let t = out[name] else { throw PluginError(.verification, "\(g.name) produced no '\(name)'") }
        return Port(name: name, shape: [.symbolic("N")] + t.shape.dropFirst().map(PortDim.fixed), role: role, layout: "NCHW",
                    activation: activation)
    }
}
