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
public enum ProGANMinibatchStddev: AblationGenerator {
    public static let architecture = "progan-minibatch-stddev"
    public static let defaultCut = "layer4"

    public struct Config: Equatable {
        /// Depths [z, 4², 8², …, R²]; the image is 2^count pixels square.
        public var channels: [Int]

        public init(channels: [Int] = ProGANMinibatchStddev.referenceChannels) { self.channels = channels }

        public var resolution: Int { ProgressiveLayout.resolution(channels) }
    }

    public static let referenceChannels = [512, 512, 512, 256, 128, 64, 32]

    static func channels(of config: Config) -> [Int] { config.channels }
    static func configuration(_ channels: [Int]) -> Config { Config(channels: channels) }

    static func block(_ n: inout NetworkBuilder, _ x: String, _ layer: ProgressiveLayer) -> String {
        var x = layer.index == 1 ? n.pixelNorm(x) : x
        if layer.upsample { x = n.upsampleNearest(x) }
        x = n.conv(x, "features.\(layer.index - 1).conv", in: layer.input, out: layer.output, kernel: layer.kernel,
                   pad: layer.padding, weightInit: .kaimingNormal(fanIn: layer.input * layer.kernel * layer.kernel, negativeSlope: 0.2))
        return n.leakyRelu(x, 0.2)
    }
}
