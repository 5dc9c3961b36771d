import Runtime

/// The WGAN-GP baseline of the ProGAN paper's ablation ("G128_simple" in the original's
/// proggan_ablation.py): the ProGAN layer schedule (`ProgressiveLayout`) with plain blocks,
/// [nearest 2×] → Conv (no bias) → BatchNorm → ReLU, then Conv 1×1 (with bias) → Hardtanh.
/// No PixelNorm, no WScale. 128×128 from z = 128 by default.
///
/// Parameters are the original's state-dict keys, so its checkpoints bind unchanged:
/// `features.{K-1}.conv.weight` and `features.{K-1}.norm.{weight,bias,running_mean,running_var}`
/// (`num_batches_tracked` is accepted and ignored) for layer K, then `output.conv.weight`
/// [3, C, 1, 1] and `output.conv.bias` [3].
///
/// The original feeds z as (N, 128, 1, 1); here `z` is (N, 128) and reshaped. Named layers
/// `layer1`…`layerK` are the ReLU outputs of `features.0`…`features.{K-1}`; the default cut is
/// `layer4` (512×8×8), the same place as ProGAN's.
public enum WGANGP: AblationGenerator {
    public static let architecture = "wgan-gp"
    public static let defaultCut = "layer4"

    public struct Config: Equatable {
        /// Depths [z, 4², 8², …, R²]; the image is 2^count pixels square.
        public var channels: [Int]

        public init(channels: [Int] = WGANGP.referenceChannels) { self.channels = channels }

        public var resolution: Int { ProgressiveLayout.resolution(channels) }
    }

    /// G128_simple: z 128; 512 (4²), 512 (8²), 256 (16²), 128 (32²), 64 (64²), 32 (128²).
    public static let referenceChannels = [128, 512, 512, 256, 128, 64, 32]

    static func channels(of config: Config) -> [Int] { config.channels }
    static func configuration(_ channels: [Int]) -> Config { Config(channels: channels) }

    static func block(_ n: inout NetworkBuilder, _ x: String, _ layer: ProgressiveLayer) -> String {
        let prefix = "features.\(layer.index - 1)"
        var x = layer.upsample ? n.upsampleNearest(x) : x
        x = n.conv(x, "\(prefix).conv", in: layer.input, out: layer.output, kernel: layer.kernel, pad: layer.padding, bias: false)
        return n.relu(n.batchNorm(x, "\(prefix).norm", channels: layer.output))
    }
}
