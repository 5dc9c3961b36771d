import Runtime

/// The progressive GAN generator exactly as the original code has it (proggan.py's
/// ProgressiveGenerator), so a state dict saved by that code binds unchanged.
///
/// z (N, C₀) is viewed as (N, C₀, 1, 1). Every layer K is PixelNorm → [nearest 2×] → Conv (no
/// bias) → WScale → LeakyReLU(0.2) (see `ProgressiveLayout` for the schedule); the output layer
/// `output_RxR` is PixelNorm → Conv 1×1 (no bias) → WScale(gain 1) → Hardtanh. WScale is
/// x·gain/√C_in + b with gain √2/k (He scaling √(2/(C_in·k²))); the scale is computed, only `b`
/// is stored.
///
/// Parameters (the original's state-dict keys): `layerK.conv.weight` [out, in, k, k],
/// `layerK.wscale.b` [out] for K = 1…2·log2(R/2), `output_RxR.conv.weight` [3, C, 1, 1] and
/// `output_RxR.wscale.b` [3]. The original's older names (`features.{K-1}.…`, `output.…`) are
/// renamed first, as its loader does. Without a checkpoint, conv weights are N(0, 1) (WScale
/// supplies the He factor) and biases zero.
///
/// Named layers `layer1`…`layerK` are the LeakyReLU outputs, before the next block's PixelNorm.
/// The layer-inversion cut is after `layer4` (512×8×8): g1…g4 = layer1…layer4, G_f = the rest.
public enum ProGAN: GeneratorArchitecture {
    public static let architecture = "progan"
    public static let defaultCut = "layer4"

    public struct Config: Equatable {
        /// Output side R, a power of two from 8 to 1024.
        public var resolution: Int
        /// Depths [z, 4², 8², …, R²]; nil: the original's plan for `resolution` (`referenceChannels`).
        public var channels: [Int]?
        /// Hardtanh on the image (the original's default); false leaves it unclamped.
        public var clampOutput: Bool

        public init(resolution: Int = 256, channels: [Int]? = nil, clampOutput: Bool = true) {
            self.resolution = resolution
            self.channels = channels
            self.clampOutput = clampOutput
        }
    }

    /// The original's channel plans by resolution.
    public static let referenceChannels: [Int: [Int]] = [
        8: [512, 512, 512],
        16: [512, 512, 512, 512],
        32: [512, 512, 512, 512, 256],
        64: [512, 512, 512, 512, 256, 128],
        128: [512, 512, 512, 512, 256, 128, 64],
        256: [512, 512, 512, 512, 256, 128, 64, 32],
        1024: [512, 512, 512, 512, 512, 256, 128, 64, 32, 16],
    ]

    /// The channel plan `config` stands for, checked against its resolution.
    public static func channels(of config: Config) throws -> [Int] {
        guard let channels = config.channels ?? referenceChannels[config.resolution] else {
            throw RuntimeError.invalid("\(architecture): no reference channel plan for \(config.resolution)×\(config.resolution) (the original has \(referenceChannels.keys.sorted().map(String.init).joined(separator: ", "))); give Config.channels")
        }
        try ProgressiveLayout.validate(channels, architecture)
        let r = ProgressiveLayout.resolution(channels)
        guard r == config.resolution else {
            throw RuntimeError.invalid("\(architecture): \(channels.count) depths \(channels) make a \(r)×\(r) image, but the resolution is \(config.resolution)")
        }
        return channels
    }

    public static func config(inferredFrom weights: StateDict) throws -> Config {
        let weights = renamingOldKeys(weights)
        let outputs = weights.names.compactMap(outputResolution)
        guard outputs.count == 1, let resolution = outputs.first else {
            throw RuntimeError.invalid(outputs.isEmpty
                ? "\(architecture): the checkpoint has no output_RxR.conv.weight, so it is not a ProGAN state dict (it has \(CheckpointShapes.sample(weights)))"
                : "\(architecture): the checkpoint has several output layers (\(outputs.map { "output_\($0)x\($0)" }.joined(separator: ", "))); expected one")
        }
        let count = ProgressiveLayout.layerCount(weights) { "layer\($0).conv.weight" }
        let channels = try ProgressiveLayout.channels(layers: count, weights, weightName: { "layer\($0).conv.weight" }, architecture)
        let r = ProgressiveLayout.resolution(channels)
        guard r == resolution else {
            throw RuntimeError.invalid("\(architecture): the checkpoint's output layer is output_\(resolution)x\(resolution), but its \(count) layers make a \(r)×\(r) image")
        }
        return Config(resolution: resolution, channels: channels)
    }

    public static func metadata(_ config: Config) throws -> GeneratorMetadata {
        let channels = try channels(of: config)
        return GeneratorMetadata(latentShape: [channels[0]], imageShape: [3, config.resolution, config.resolution], defaultCut: defaultCut)
    }

    public static func build(weights: StateDict = StateDict(), config: Config? = nil, seed: UInt64 = 0) throws -> BuiltNetwork {
        let weights = renamingOldKeys(weights)
        let config = try resolve(config, weights) { Config() }
        let channels = try channels(of: config)
        var n = NetworkBuilder(name: architecture, weights: WeightBinder(weights, seed: seed))
        let z = n.input("z", shape: [nil, channels[0]])
        var x = n.reshape(z, [-1, channels[0], 1, 1])
        var named: [String] = []
        for layer in ProgressiveLayout.layers(channels) {
            let prefix = "layer\(layer.index)"
            x = n.pixelNorm(x)
            if layer.upsample { x = n.upsampleNearest(x) }
            x = n.conv(x, "\(prefix).conv", in: layer.input, out: layer.output, kernel: layer.kernel, pad: layer.padding,
                       bias: false, weightInit: .normal(std: 1))
            x = n.wscale(x, prefix, channels: layer.output, gain: 2.0.squareRoot() / Double(layer.kernel), fanIn: layer.input)
            x = n.name(n.leakyRelu(x, 0.2), prefix)
            named.append(prefix)
        }
        let last = channels[channels.count - 1]
        let output = "output_\(config.resolution)x\(config.resolution)"
        x = n.pixelNorm(x)
        x = n.conv(x, "\(output).conv", in: last, out: 3, kernel: 1, bias: false, weightInit: .normal(std: 1))
        x = n.wscale(x, output, channels: 3, gain: 1, fanIn: last)
        if config.clampOutput { x = n.clip(x, min: -1, max: 1) }
        n.output(n.name(x, "image"))
        let (model, report) = n.finish()
        return BuiltNetwork(model: model, report: report, inputs: ["z"], outputs: ["image"], namedLayers: named)
    }

    /// The original's older key names (`features.{K-1}.conv.weight`, `features.{K-1}.wscale.b`,
    /// `output.conv.weight`, `output.wscale.b`) renamed to the current ones, as its
    /// `from_state_dict` does; other checkpoints are returned unchanged.
    public static func renamingOldKeys(_ weights: StateDict) -> StateDict {
        guard weights["layer1.conv.weight"] == nil, weights["features.0.conv.weight"] != nil else { return weights }
        let count = ProgressiveLayout.layerCount(weights) { "features.\($0 - 1).conv.weight" }
        let resolution = 4 << max(count / 2 - 1, 0)
        return StateDict(weights.names.compactMap { name in
            guard let t = weights[name] else { return nil }
            let parts = name.split(separator: ".", maxSplits: 2)
            if parts.count == 3, parts[0] == "features", let i = Int(parts[1]) { return ("layer\(i + 1).\(parts[2])", t) }
            if parts.first == "output" { return ("output_\(resolution)x\(resolution)" + name.dropFirst(6), t) }
            return (name, t)
        })
    }

    /// R for `output_RxR.conv.weight`.
    static func outputResolution(_ name: String) -> Int? {
        guard name.hasPrefix("output_"), name.hasSuffix(".conv.weight") else { return nil }
        let sides = name.dropFirst(7).dropLast(12).split(separator: "x", omittingEmptySubsequences: false)
        guard sides.count == 2, let r = Int(sides[0]), String(r) == sides[1] else { return nil }
        return r
    }
}

extension NetworkBuilder {
    /// ProGAN's WScaleLayer: x·gain/√fanIn + b. The scale is computed; only `prefix.wscale.b` is stored.
    mutating func wscale(_ x: String, _ prefix: String, channels c: Int, gain: Double, fanIn: Int) -> String {
        let scale = Float(gain / Double(fanIn).squareRoot())
        let b = reshape(parameter("\(prefix).wscale.b", shape: [c], .zeros), [1, c, 1, 1])
        return add(mul(x, constant(Tensor(scalar: scale), "wscale")), b)
    }
}
