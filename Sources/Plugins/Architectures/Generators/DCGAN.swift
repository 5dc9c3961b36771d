import Runtime

/// The PyTorch DCGAN tutorial generator, the layout of the real face generator the project
/// fetches (gan-face-generate): z → [ConvT → BatchNorm → ReLU] ×4 → ConvT → Tanh, 64×64.
///
/// Layers (ConvTs have no bias, kernel 4): main.0 ConvT(nz → 8·ngf, stride 1, pad 0) → main.1 BN
/// → main.2 ReLU (4×4); main.3 ConvT(8·ngf → 4·ngf, stride 2, pad 1) → main.4 → main.5 (8×8);
/// main.6/7/8 (2·ngf, 16×16); main.9/10/11 (ngf, 32×32); main.12 ConvT(ngf → nc) → main.13 Tanh.
///
/// Parameters are the tutorial's state-dict keys: `main.{0,3,6,9,12}.weight` [in, out, 4, 4] and
/// `main.{1,4,7,10}.{weight,bias,running_mean,running_var}` (`num_batches_tracked` accepted and
/// ignored). nz, ngf and nc are read from the weight shapes.
///
/// `z` is (N, nz), reshaped to the tutorial's (N, nz, 1, 1). Named layers `layer1`…`layer4` are
/// the ReLU outputs main.2, main.5, main.8, main.11. The default cut is `layer2` (4·ngf×8×8): the
/// first 8×8 map, as ProGAN's cut is at 8×8, leaving most of the network in G_f.
public enum DCGAN: GeneratorArchitecture {
    public static let architecture = "dcgan"
    public static let defaultCut = "layer2"
    public static let resolution = 64

    public struct Config: Equatable {
        /// nz: the latent size.
        public var latentSize: Int
        /// ngf: the last hidden layer's depth (the others are 2, 4 and 8 times it).
        public var features: Int
        /// nc: image channels.
        public var imageChannels: Int

        public init(latentSize: Int = 100, features: Int = 64, imageChannels: Int = 3) {
            self.latentSize = latentSize
            self.features = features
            self.imageChannels = imageChannels
        }
    }

    public static func config(inferredFrom weights: StateDict) throws -> Config {
        let first = try CheckpointShapes.shape(weights, "main.0.weight", rank: 4, architecture)
        let last = try CheckpointShapes.shape(weights, "main.12.weight", rank: 4, architecture)
        let config = Config(latentSize: first[0], features: last[0], imageChannels: last[1])
        guard first[1] == 8 * config.features else {
            throw RuntimeError.invalid("\(architecture): main.0.weight \(first) should produce 8·ngf = \(8 * config.features) channels (ngf = \(config.features) from main.12.weight \(last)); not the DCGAN tutorial layout")
        }
        return config
    }

    public static func metadata(_ config: Config) throws -> GeneratorMetadata {
        try validate(config)
        return GeneratorMetadata(latentShape: [config.latentSize], imageShape: [config.imageChannels, resolution, resolution], defaultCut: defaultCut)
    }

    static func validate(_ c: Config) throws {
        guard c.latentSize > 0, c.features > 0, c.imageChannels > 0 else {
            throw RuntimeError.invalid("\(architecture): sizes must be positive, got nz \(c.latentSize), ngf \(c.features), nc \(c.imageChannels)")
        }
    }

    public static func build(weights: StateDict = StateDict(), config: Config? = nil, seed: UInt64 = 0) throws -> BuiltNetwork {
        let config = try resolve(config, weights) { Config() }
        try validate(config)
        let f = config.features
        let depths = [config.latentSize, 8 * f, 4 * f, 2 * f, f]
        var n = NetworkBuilder(name: architecture, weights: WeightBinder(weights, seed: seed))
        let z = n.input("z", shape: [nil, config.latentSize])
        var x = n.reshape(z, [-1, config.latentSize, 1, 1])
        var named: [String] = []
        for i in 0..<4 {
            x = n.convTranspose(x, "main.\(3 * i)", in: depths[i], out: depths[i + 1], kernel: 4,
                                stride: i == 0 ? 1 : 2, pad: i == 0 ? 0 : 1, bias: false)
            x = n.batchNorm(x, "main.\(3 * i + 1)", channels: depths[i + 1])
            x = n.name(n.relu(x), "layer\(i + 1)")
            named.append(x)
        }
        x = n.convTranspose(x, "main.12", in: f, out: config.imageChannels, kernel: 4, stride: 2, pad: 1, bias: false)
        n.output(n.name(n.tanh(x), "image"))
        let (model, report) = n.finish()
        return BuiltNetwork(model: model, report: report, inputs: ["z"], outputs: ["image"], namedLayers: named)
    }
}
