import Runtime

/// The "minibatch-stddev" stage of the ProGAN paper's ablation ("G128_minibatch_disc" in the
/// original's proggan_ablation.py; the minibatch statistic lives in the discriminator, so the
/// generator is this plain network): the ProGAN layer schedule (`ProgressiveLayout`) with
/// PixelNorm before the first block only, no WScale, convolutions with bias, LeakyReLU(0.2),
/// then Conv 1×1 (with bias) → Hardtanh. 128×128 from z = 512 by default.
///
/// Parameters are the original's state-dict keys: `features.{K-1}.conv.{weight,bias}` for layer
/// K, `output.conv.{weight,bias}`. `z` is (N, 512), reshaped to (N, 512, 1, 1). Named layers
/// `layer1`…`layerK` are the LeakyReLU outputs; the default cut is `layer4` (8×8).
public enum ProGANMinibatchStddev: GeneratorArchitecture {
    public static let architecture = "progan-minibatch-stddev"
    public static let defaultCut = "layer4"

    public struct Config: Equatable {
        /// Depths [z, 4², 8², …, R²]; the image is 2^count pixels square.
        public var channels: [Int]

        public init(channels: [Int] = ProGANMinibatchStddev.referenceChannels) { self.channels = channels }

        public var resolution: Int { ProgressiveLayout.resolution(channels) }
    }

    public static let referenceChannels = [512, 512, 512, 256, 128, 64, 32]

    static func convName(_ k: Int) -> String { "features.\(k - 1).conv.weight" }

    public static func config(inferredFrom weights: StateDict) throws -> Config {
        let count = ProgressiveLayout.layerCount(weights, weightName: convName)
        let channels = try ProgressiveLayout.channels(layers: count, weights, weightName: convName, architecture)
        _ = try CheckpointShapes.shape(weights, "output.conv.weight", rank: 4, architecture)
        return Config(channels: channels)
    }

    public static func metadata(_ config: Config) throws -> GeneratorMetadata {
        try ProgressiveLayout.validate(config.channels, architecture)
        return GeneratorMetadata(latentShape: [config.channels[0]], imageShape: [3, config.resolution, config.resolution], defaultCut: defaultCut)
    }

    public static func build(weights: StateDict = StateDict(), config: Config? = nil, seed: UInt64 = 0) throws -> BuiltNetwork {
        let config = try resolve(config, weights) { Config() }
        let channels = config.channels
        try ProgressiveLayout.validate(channels, architecture)
        var n = NetworkBuilder(name: architecture, weights: WeightBinder(weights, seed: seed))
        let z = n.input("z", shape: [nil, channels[0]])
        var x = n.reshape(z, [-1, channels[0], 1, 1])
        var named: [String] = []
        for layer in ProgressiveLayout.layers(channels) {
            if layer.index == 1 { x = n.pixelNorm(x) }
            if layer.upsample { x = n.upsampleNearest(x) }
            x = n.conv(x, "features.\(layer.index - 1).conv", in: layer.input, out: layer.output, kernel: layer.kernel,
                       pad: layer.padding, weightInit: .kaimingNormal(fanIn: layer.input * layer.kernel * layer.kernel, negativeSlope: 0.2))
            x = n.name(n.leakyRelu(x, 0.2), "layer\(layer.index)")
            named.append(x)
        }
        x = n.conv(x, "output.conv", in: channels[channels.count - 1], out: 3, kernel: 1)
        n.output(n.name(n.clip(x, min: -1, max: 1), "image"))
        let (model, report) = n.finish()
        return BuiltNetwork(model: model, report: report, inputs: ["z"], outputs: ["image"], namedLayers: named)
    }
}
