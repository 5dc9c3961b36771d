import Runtime

/// e_f, the original's "over5 resnet": torchvision ResNet-18 (conv7×7 s2 p3 → BN → ReLU →
/// maxpool 3 s2 p1 → BasicBlock stages [2, 2, 2, 2]) with everything after layer4 replaced by
/// Conv1×1 (bias) → LeakyReLU(0.2). A 256² image becomes 512×8×8, an estimate of the
/// generator's layer4 output `r4`. Input: the [-1, 1] RGB image as is.
///
/// Names are the original's (`CustomResNet` with torchvision blocks): `conv1.weight`, `bn1.*`,
/// `layer1.0.conv1.weight`, `layer2.0.downsample.{0,1}.*`, …, and `layer5.conv5.{weight,bias}`
/// for the 1×1 conv. ResNet convs start Kaiming-normal over the fan-out (torchvision), the 1×1
/// over its fan-in; biases zero, BatchNorm the identity.
public enum EncoderResNet18 {
    public struct Config: Equatable {
        public var inputChannels: Int
        public var height: Int
        public var width: Int
        /// ResNet width w (64): stages have w, 2w, 4w, 8w channels.
        public var baseWidth: Int
        public var blocks: [Int]
        /// Channels of the 1×1 conv's output (the generator's layer4 width, 512).
        public var outChannels: Int

        public init(inputChannels: Int = 3, height: Int = 256, width: Int = 256, baseWidth: Int = 64,
                    blocks: [Int] = [2, 2, 2, 2], outChannels: Int = 512) {
            self.inputChannels = inputChannels
            self.height = height
            self.width = width
            self.baseWidth = baseWidth
            self.blocks = blocks
            self.outChannels = outChannels
        }

        /// Spatial size of the output (H/32 for sizes divisible by 32).
        public var outputSize: (height: Int, width: Int) {
            (EncoderResNet18.reduced(height), EncoderResNet18.reduced(width))
        }
    }

    public static let inputName = "image"
    public static let outputName = "r4"
    public static let namedLayers = ["layer1", "layer2", "layer3", "layer4", outputName]

    public static func input(for config: Config = Config()) -> InputContract {
        InputContract(channels: config.inputChannels, height: config.height, width: config.width, range: -1...1,
                      preprocessing: .none)
    }

    /// Widths and block counts read from a checkpoint (input size keeps its default).
    public static func config(inferredFrom weights: StateDict, prefix: String = "") -> Config {
        var c = Config()
        if let s = weights[prefix + "conv1.weight"]?.shape, s.count == 4 {
            c.baseWidth = s[0]
            c.inputChannels = s[1]
        }
        if let b = ResNetShapes.blockCounts(in: weights, prefix: prefix, stages: 4) { c.blocks = b }
        if let o = ResNetShapes.dim(weights, prefix + "layer5.conv5.weight", 0) { c.outChannels = o }
        return c
    }

    public static func build(weights: StateDict = StateDict(), config: Config? = nil, seed: UInt64 = 0) throws -> BuiltNetwork {
        let c = config ?? Self.config(inferredFrom: weights)
        var nb = NetworkBuilder(name: "EncoderResNet18", weights: WeightBinder(weights, seed: seed))
        let x = nb.input(inputName, shape: [nil, c.inputChannels, c.height, c.width])
        let r4 = try body(&nb, x, prefix: "", config: c, publicNames: true)
        nb.output(r4)
        let (model, report) = nb.finish(metadata: ["seeing.architecture": "EncoderResNet18",
                                                    "seeing.input": input(for: c).description])
        return BuiltNetwork(model: model, report: report, inputs: [inputName], outputs: [r4], namedLayers: namedLayers)
    }

    /// Appends e_f to `nb` with parameter names under `prefix`; returns its output, named `r4`.
    /// `publicNames` also names the stage outputs `layer1` … `layer4`.
    static func body(_ nb: inout NetworkBuilder, _ image: String, prefix p: String, config c: Config,
                     publicNames: Bool) throws -> String {
        try validate(c)
        var x = nb.conv(image, p + "conv1", in: c.inputChannels, out: c.baseWidth, kernel: 7, stride: 2, pad: 3, bias: false,
                        weightInit: .kaimingNormal(fanIn: c.baseWidth * 49))
        x = nb.relu(nb.batchNorm(x, p + "bn1", channels: c.baseWidth))
        x = nb.maxPool(x, kernel: 3, stride: 2, pad: 1)
        var cin = c.baseWidth
        for (k, count) in c.blocks.enumerated() {
            let planes = c.baseWidth << k
            for b in 0..<count {
                x = nb.basicBlock(x, "\(p)layer\(k + 1).\(b)", in: cin, planes: planes, stride: b == 0 && k > 0 ? 2 : 1)
                cin = planes
            }
            if publicNames { x = nb.name(x, "layer\(k + 1)") }
        }
        x = nb.conv(x, p + "layer5.conv5", in: cin, out: c.outChannels, kernel: 1)
        return nb.name(nb.leakyRelu(x, 0.2), outputName)
    }

    /// conv7×7 s2, maxpool s2, then a stride-2 3×3 per later stage.
    static func reduced(_ n: Int) -> Int {
        var m = ResNetShapes.out(ResNetShapes.out(n, kernel: 7, stride: 2, pad: 3), kernel: 3, stride: 2, pad: 1)
        for _ in 0..<3 { m = ResNetShapes.out(m, kernel: 3, stride: 2, pad: 1) }
        return m
    }

    static func validate(_ c: Config) throws {
        guard c.inputChannels > 0, c.baseWidth > 0, c.outChannels > 0, c.height > 0, c.width > 0 else {
            throw RuntimeError.invalid("EncoderResNet18: channels and size must be positive (got \(c))")
        }
        guard c.blocks.count == 4, c.blocks.allSatisfy({ $0 > 0 }) else {
            throw RuntimeError.invalid("EncoderResNet18: blocks must be four positive counts, got \(c.blocks)")
        }
    }
}
