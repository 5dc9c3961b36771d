import Runtime

/// The generators of the original's proggan_ablation.py (WGAN-GP's G128_simple and the
/// minibatch-stddev stage): the ProGAN layer schedule (`ProgressiveLayout`) keyed
/// `features.{K-1}.conv…`, a 1×1 `output.conv` (with bias) and Hardtanh, and a configuration
/// that is just the channel plan. They differ only in the block each layer applies.
protocol AblationGenerator: GeneratorArchitecture {
    static var referenceChannels: [Int] { get }
    static var defaultCut: String { get }
    static func channels(of config: Config) -> [Int]
    static func configuration(_ channels: [Int]) -> Config
    /// Layer `layer` of the schedule applied to `x` (its output is named `layerK` afterwards).
    static func block(_ n: inout NetworkBuilder, _ x: String, _ layer: ProgressiveLayer) -> String
}

extension AblationGenerator {
    static func convName(_ k: Int) -> String { "features.\(k - 1).conv.weight" }

    public static func config(inferredFrom weights: StateDict) throws -> Config {
        let count = ProgressiveLayout.layerCount(weights, weightName: convName)
        let channels = try ProgressiveLayout.channels(layers: count, weights, weightName: convName, architecture)
        _ = try CheckpointShapes.shape(weights, "output.conv.weight", rank: 4, architecture)
        return configuration(channels)
    }

    public static func metadata(_ config: Config) throws -> GeneratorMetadata {
        let channels = channels(of: config)
        try ProgressiveLayout.validate(channels, architecture)
        let size = ProgressiveLayout.resolution(channels)
        return GeneratorMetadata(latentShape: [channels[0]], imageShape: [3, size, size], defaultCut: defaultCut)
    }

    public static func build(weights: StateDict = StateDict(), config: Config? = nil, seed: UInt64 = 0) throws -> BuiltNetwork {
        let channels = channels(of: try resolve(config, weights) { configuration(referenceChannels) })
        try ProgressiveLayout.validate(channels, architecture)
        var n = NetworkBuilder(name: architecture, weights: WeightBinder(weights, seed: seed))
        let z = n.input("z", shape: [nil, channels[0]])
        var x = n.reshape(z, [-1, channels[0], 1, 1])
        var named: [String] = []
        for layer in ProgressiveLayout.layers(channels) {
            x = n.name(block(&n, x, layer), "layer\(layer.index)")
            named.append(x)
        }
        x = n.conv(x, "output.conv", in: channels[channels.count - 1], out: 3, kernel: 1)
        n.output(n.name(n.clip(x, min: -1, max: 1), "image"))
        let (model, report) = n.finish()
        return BuiltNetwork(model: model, report: report, inputs: ["z"], outputs: ["image"], namedLayers: named)
    }
}
