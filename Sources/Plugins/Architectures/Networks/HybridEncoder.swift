import Runtime

/// The original's composed encoder E = e1∘e2∘e3∘e4∘e_f (HybridLayerNormEncoder): image →
/// `r4` (e_f) → `r3` (e4) → `r2` (e3) → `r1` (e2) → `z` (e1, N×512×1×1). Parameter names are the
/// original module's: `resnet.` + `EncoderResNet18`'s names, `inv4.`, `inv3.`, `inv2.`, `inv1.` +
/// `EncoderLayer`'s, so one state dict of the original loads as is.
/// Input: the [-1, 1] RGB image as is.
public enum HybridEncoder {
    public struct Config: Equatable {
        public var resnet: EncoderResNet18.Config
        /// Width of the layer encoders (the generator's 512).
        public var channels: Int

        public init(resnet: EncoderResNet18.Config = .init(), channels: Int = 512) {
            self.resnet = resnet
            self.channels = channels
        }
    }

    public static let inputName = EncoderResNet18.inputName
    public static let namedLayers = ["r4", "r3", "r2", "r1", "z"]
    /// The parameter prefix of e_f; the layer encoders' follow, in order of application.
    public static let resnetPrefix = "resnet."
    public static let layers: [(prefix: String, kind: EncoderLayer.Kind)] = [("inv4.", .e4), ("inv3.", .e3), ("inv2.", .e2), ("inv1.", .e1)]

    public static func input(for config: Config = Config()) -> InputContract { EncoderResNet18.input(for: config.resnet) }

    /// Widths and block counts read from a checkpoint.
    public static func config(inferredFrom weights: StateDict) -> Config {
        var c = Config(resnet: EncoderResNet18.config(inferredFrom: weights, prefix: resnetPrefix))
        if let ch = ResNetShapes.dim(weights, "inv4.conv1.weight", 0) { c.channels = ch }
        return c
    }

    public static func build(weights: StateDict = StateDict(), config: Config? = nil, seed: UInt64 = 0) throws -> BuiltNetwork {
        let c = config ?? Self.config(inferredFrom: weights)
        guard c.channels > 0 else { throw RuntimeError.invalid("HybridEncoder: channels must be positive, got \(c.channels)") }
        var nb = NetworkBuilder(name: "HybridEncoder", weights: WeightBinder(weights, seed: seed))
        let image = nb.input(inputName, shape: [nil, c.resnet.inputChannels, c.resnet.height, c.resnet.width])
        var x = try EncoderResNet18.body(&nb, image, prefix: resnetPrefix, config: c.resnet, publicNames: false)
        var (h, w) = c.resnet.outputSize
        var cin = c.resnet.outChannels
        for (prefix, kind) in layers {
            let layer = EncoderLayer.Config(kind: kind, channels: c.channels, inChannels: cin, height: h, width: w)
            if kind == .e1 && (h < 4 || w < 4) {
                throw RuntimeError.invalid("HybridEncoder: a \(c.resnet.height)×\(c.resnet.width) image gives r1 of \(h)×\(w), "
                    + "but e1's 4×4 convolution needs at least 4×4 (the original uses 256×256)")
            }
            x = try EncoderLayer.body(&nb, x, prefix: prefix, config: layer)
            (h, w) = EncoderLayer.outputSize(layer)
            cin = c.channels
        }
        nb.output(x)
        let (model, report) = nb.finish(metadata: ["seeing.architecture": "HybridEncoder",
                                                    "seeing.input": input(for: c).description])
        return BuiltNetwork(model: model, report: report, inputs: [inputName], outputs: [x], namedLayers: namedLayers)
    }
}
