import Runtime

/// A small convolutional encoder from images to a generator's latent: the DCGAN
/// discriminator's shape run as a regressor. Strided 4×4 convolutions halve the image down to
/// 4×4 (BatchNorm + LeakyReLU 0.2 after all but the first), then a 4×4 valid convolution gives
/// the latent as (N, nz, 1, 1). Quick to train on a CPU: the encoder of the training workout
/// for small generators (the original method's encoders are `EncoderResNet18`/`EncoderLayer`).
///
/// Parameters: `blockK.conv.weight`, `blockK.bn.{weight,bias,running_mean,running_var}` (K ≥ 2),
/// `head.weight`, `head.bias`. Named layers `block1`…`blockK` (after each activation).
public enum ConvEncoder {
    public struct Config {
        /// Input image side (a power of two, at least 8) and channels.
        public var imageSize: Int
        public var imageChannels: Int = 3
        /// Latent channels (DCGAN: 100).
        public var latent: Int
        /// Channels of the first block; each later block doubles them.
        public var width: Int = 64

        public init(imageSize: Int, latent: Int, imageChannels: Int = 3, width: Int = 64) {
            self.imageSize = imageSize
            self.latent = latent
            self.imageChannels = imageChannels
            self.width = width
        }
    }

    public static let inputName = "image"
    public static let outputName = "latent"

    public static func build(weights: StateDict = StateDict(), config c: Config, seed: UInt64 = 0) throws -> BuiltNetwork {
        guard c.imageSize >= 8, c.imageSize & (c.imageSize - 1) == 0 else {
            throw RuntimeError(.invalidArgument, "ConvEncoder: image size must be a power of two ≥ 8, got \(c.imageSize)")
        }
        guard c.latent > 0, c.width > 0, c.imageChannels > 0 else {
            throw RuntimeError(.invalidArgument, "ConvEncoder: latent, width and channels must be positive")
        }
        var n = NetworkBuilder(name: "conv-encoder", weights: WeightBinder(weights, seed: seed))
        var x = n.input(inputName, shape: [nil, c.imageChannels, c.imageSize, c.imageSize])
        var channels = c.imageChannels, size = c.imageSize, block = 0
        var layers: [String] = []
        while size > 4 {
            block += 1
            let out = block == 1 ? c.width : channels * 2
            x = n.conv(x, "block\(block).conv", in: channels, out: out, kernel: 4, stride: 2, pad: 1, bias: false,
                       weightInit: .kaimingNormal(fanIn: channels * 16, negativeSlope: 0.2))
            if block > 1 { x = n.batchNorm(x, "block\(block).bn", channels: out) }
            x = n.name(n.leakyRelu(x, 0.2), "block\(block)")
            layers.append(x)
            channels = out
            size /= 2
        }
        let z = n.name(n.conv(x, "head", in: channels, out: c.latent, kernel: 4, weightInit: .kaimingNormal(fanIn: channels * 16)),
                       outputName)
        n.output(z)
        let (model, report) = n.finish()
        return BuiltNetwork(model: model, report: report, inputs: [inputName], outputs: [outputName], namedLayers: layers)
    }
}
