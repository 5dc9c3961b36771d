import Runtime

/// StyleGAN (v1) generator, laid out like the PyTorch port most v1 checkpoints circulate in
/// (genforce/interfacegan's StyleGANGeneratorModel, converted from the official TensorFlow
/// weights), so such a state dict binds unchanged.
///
/// Mapping: PixelNorm(z) → `mappingLayers` × [dense → LeakyReLU(0.2)] → w (named `w`). Dense i
/// is x·Wᵀ·(√2/√in)·lrMul + b·lrMul (equalized learning rate, scales computed at build time).
/// Truncation: w' = w_avg + ψ·(w − w_avg) for synthesis layers below `truncationLayers`.
/// Synthesis: 2·log2(R) − 2 layers. Layer 0 is the learned constant (1, C, 4, 4); odd layers are
/// Conv 3×3 (×√2/√(in·9)); even layers > 0 double the resolution (nearest 2× then the conv, or
/// from `fusedScaleMinResolution` on the original's fused transposed conv, which computes the
/// same thing) then a [1,2,1]² blur. Every layer ends with the epilogue: + noise·weight (a
/// fixed noise image per layer), + bias, LeakyReLU(0.2), instance norm (ε 1e-8), then AdaIN's
/// style: x·(1 + s) + t with (s, t) = affine(w') (gain 1). ToRGB: Conv 1×1 ×1/√C + bias, then
/// clipped to [−1, 1] (what converting to 8-bit does) unless `clampOutput` is false.
///
/// Parameters (interfacegan's names; official TF names in brackets):
/// - `mapping.dense{i}.linear.weight` [out, in], `mapping.dense{i}.wscale.bias` [Dense{i}/…]
/// - `truncation.w_avg` [D] [dlatent_avg]
/// - `synthesis.layer0.first_layer` [1, C, 4, 4] [4x4/Const/const]
/// - `synthesis.layer{K}.conv.weight` [out, in, 3, 3]; fused up-convs `synthesis.layer{K}.weight`
///   [3, 3, in, out] (the TF layout)
/// - `synthesis.layer{K}.epilogue.apply_noise.noise` [1, 1, r, r] [noise{K}]: the noise is a
///   constant buffer, bound from the checkpoint when present, otherwise seeded N(0, 1) (and then
///   not reported missing); there is no per-run noise input
/// - `synthesis.layer{K}.epilogue.{apply_noise.weight, bias}` [C]
/// - `synthesis.layer{K}.epilogue.style_mod.dense.{linear.weight [2C, D], wscale.bias [2C]}`
/// - `synthesis.output{B}.conv.weight` [3, C, 1, 1], `synthesis.output{B}.bias` for the last block B
/// Accepted and ignored: the lower-resolution `synthesis.output{b}` layers and `synthesis.lod`
/// (progressive-growing leftovers; this renders at full resolution), the `blur.kernel` buffers
/// (the fixed [1,2,1]² filter) and `truncation.truncation` (ψ and the cutoff come from Config).
///
/// Named layers: `w`, then `4x4`, `8x8`, … `RxR`, the output of each resolution block (after its
/// second epilogue). The default cut is `8x8`.
public enum StyleGAN: GeneratorArchitecture {
    public static let architecture = "stylegan"
    public static let defaultCut = "8x8"

    public struct Config: Equatable {
        /// Output side R, a power of two from 8 to 1024.
        public var resolution: Int
        /// z size.
        public var latentSize: Int
        /// Width of the mapping network's hidden layers.
        public var mappingFeatures: Int
        /// w size.
        public var dlatentSize: Int
        public var mappingLayers: Int
        /// Learning-rate multiplier of the mapping layers (scales their weights and biases).
        public var mappingLearningRate: Float
        /// Depths of the resolution blocks 4², 8², …, R²; nil: min(8192 / 2^(log2 r − 1), 512).
        public var channels: [Int]?
        public var imageChannels: Int
        /// Truncation ψ (1: none) applied to the first `truncationLayers` synthesis layers.
        public var truncationPsi: Float
        public var truncationLayers: Int
        /// Up-convolutions at this resolution and above are stored fused (nil: none), as in the
        /// original from 128×128 on.
        public var fusedScaleMinResolution: Int?
        public var clampOutput: Bool

        public init(resolution: Int = 1024, latentSize: Int = 512, mappingFeatures: Int = 512, dlatentSize: Int = 512,
                    mappingLayers: Int = 8, mappingLearningRate: Float = 0.01, channels: [Int]? = nil, imageChannels: Int = 3,
                    truncationPsi: Float = 0.7, truncationLayers: Int = 8, fusedScaleMinResolution: Int? = 128,
                    clampOutput: Bool = true) {
            self.resolution = resolution
            self.latentSize = latentSize
            self.mappingFeatures = mappingFeatures
            self.dlatentSize = dlatentSize
            self.mappingLayers = mappingLayers
            self.mappingLearningRate = mappingLearningRate
            self.channels = channels
            self.imageChannels = imageChannels
            self.truncationPsi = truncationPsi
            self.truncationLayers = truncationLayers
            self.fusedScaleMinResolution = fusedScaleMinResolution
            self.clampOutput = clampOutput
        }

        /// Synthesis layers (each takes one style).
        public var synthesisLayers: Int { 2 * Self.log2(resolution) - 2 }

        static func log2(_ r: Int) -> Int { Int.bitWidth - 1 - r.leadingZeroBitCount }
    }

    /// The block depths `config` stands for, checked.
    public static func channels(of config: Config) throws -> [Int] {
        let r = config.resolution
        guard r >= 8, r <= 1024, r & (r - 1) == 0 else {
            throw RuntimeError.invalid("\(architecture): resolution must be a power of two from 8 to 1024, got \(r)")
        }
        let blocks = Config.log2(r) - 1
        let channels = config.channels ?? (2...(blocks + 1)).map { min(8192 >> ($0 - 1), 512) }
        guard channels.count == blocks, channels.allSatisfy({ $0 > 0 }) else {
            throw RuntimeError.invalid("\(architecture): a \(r)×\(r) generator has \(blocks) blocks (4×4 … \(r)×\(r)), so channels needs \(blocks) positive depths; got \(channels)")
        }
        guard config.latentSize > 0, config.mappingFeatures > 0, config.dlatentSize > 0, config.mappingLayers > 0, config.imageChannels > 0 else {
            throw RuntimeError.invalid("\(architecture): sizes must be positive (z \(config.latentSize), mapping \(config.mappingLayers)×\(config.mappingFeatures), w \(config.dlatentSize), image channels \(config.imageChannels))")
        }
        return channels
    }

    public static func config(inferredFrom weights: StateDict) throws -> Config {
        let denses = countWhile { weights["mapping.dense\($0).linear.weight"] != nil }
        let first = try CheckpointShapes.shape(weights, "mapping.dense0.linear.weight", rank: 2, architecture)
        let last = try CheckpointShapes.shape(weights, "mapping.dense\(max(denses - 1, 0)).linear.weight", rank: 2, architecture)
        var channels = [try CheckpointShapes.shape(weights, "synthesis.layer0.first_layer", rank: 4, architecture)[1]]
        let blocks = 1 + countWhile { weights["synthesis.layer\(2 * $0 + 3).conv.weight"] != nil }
        guard blocks >= 2 else {
            throw RuntimeError.invalid("\(architecture): the checkpoint has no synthesis.layer3.conv.weight; a generator of 8×8 or more has one")
        }
        for b in 1..<blocks {
            channels.append(try CheckpointShapes.shape(weights, "synthesis.layer\(2 * b + 1).conv.weight", rank: 4, architecture)[0])
        }
        let rgb = try CheckpointShapes.shape(weights, "synthesis.output\(blocks - 1).conv.weight", rank: 4, architecture)
        let fused = (1..<blocks).first { weights["synthesis.layer\(2 * $0).weight"] != nil }
        return Config(resolution: 4 << (blocks - 1), latentSize: first[1], mappingFeatures: first[0], dlatentSize: last[0],
                      mappingLayers: denses, channels: channels, imageChannels: rgb[0],
                      fusedScaleMinResolution: fused.map { 4 << $0 })
    }

    public static func metadata(_ config: Config) throws -> GeneratorMetadata {
        _ = try channels(of: config)
        return GeneratorMetadata(latentShape: [config.latentSize], imageShape: [config.imageChannels, config.resolution, config.resolution],
                                 defaultCut: defaultCut)
    }

    public static func build(weights: StateDict = StateDict(), config: Config? = nil, seed: UInt64 = 0) throws -> BuiltNetwork {
        let config = try resolve(config, weights) { Config() }
        let channels = try channels(of: config)
        var n = NetworkBuilder(name: architecture, weights: WeightBinder(weights, seed: seed))
        let z = n.input("z", shape: [nil, config.latentSize])

        var x = n.pixelNorm(z)
        for i in 0..<config.mappingLayers {
            let fanIn = i == 0 ? config.latentSize : config.mappingFeatures
            let out = i == config.mappingLayers - 1 ? config.dlatentSize : config.mappingFeatures
            x = n.leakyRelu(n.equalizedLinear(x, "mapping.dense\(i)", in: fanIn, out: out, gain: 2.0.squareRoot(),
                                              learningRate: config.mappingLearningRate), 0.2)
        }
        let w = n.name(x, "w")
        var named = [w]

        let truncated = config.truncationPsi != 1 && config.truncationLayers > 0
        var wTruncated = w
        if truncated {
            let average = n.parameter("truncation.w_avg", shape: [config.dlatentSize], .zeros)
            let psi = n.constant(Tensor(scalar: config.truncationPsi), "psi")
            wTruncated = n.add(average, n.mul(n.op("Sub", [w, average]), psi))
        } else {
            n.weights.acknowledge("truncation.w_avg")
        }
        n.weights.acknowledge("truncation.truncation")
        n.weights.acknowledge("synthesis.lod")

        for layer in 0..<config.synthesisLayers {
            let block = layer / 2, size = 4 << block, c = channels[block]
            let prefix = "synthesis.layer\(layer)"
            if layer == 0 {
                x = n.parameter("\(prefix).first_layer", shape: [1, c, 4, 4], .ones)
            } else if layer % 2 == 1 {
                x = n.equalizedConv(x, "\(prefix).conv.weight", in: c, out: c)
            } else {
                let input = channels[block - 1]
                if let fused = config.fusedScaleMinResolution, size >= fused {
                    x = n.fusedUpConv(x, "\(prefix).weight", in: input, out: c)
                } else {
                    x = n.equalizedConv(n.upsampleNearest(x), "\(prefix).conv.weight", in: input, out: c)
                }
                x = n.blur(x, channels: c)
                n.weights.acknowledge("\(prefix).blur.kernel")
            }
            x = n.styleEpilogue(x, "\(prefix).epilogue", channels: c, size: size,
                                style: truncated && layer < config.truncationLayers ? wTruncated : w, styleSize: config.dlatentSize)
            if layer % 2 == 1 {
                x = n.name(x, "\(size)x\(size)")
                named.append(x)
            }
        }

        let blocks = channels.count
        for b in 0..<(blocks - 1) {
            n.weights.acknowledge("synthesis.output\(b).conv.weight")
            n.weights.acknowledge("synthesis.output\(b).bias")
        }
        let rgb = "synthesis.output\(blocks - 1)"
        let last = channels[blocks - 1]
        let weight = n.parameter("\(rgb).conv.weight", shape: [config.imageChannels, last, 1, 1], .normal(std: 1))
        x = n.op("Conv", [x, weight], ["kernel_shape": .ints([1, 1])])
        x = n.mul(x, n.constant(Tensor(scalar: Float(1 / Double(last).squareRoot())), "scale"))
        x = n.add(x, n.reshape(n.parameter("\(rgb).bias", shape: [config.imageChannels], .zeros), [1, config.imageChannels, 1, 1]))
        if config.clampOutput { x = n.clip(x, min: -1, max: 1) }
        n.output(n.name(x, "image"))
        let (model, report) = n.finish()
        return BuiltNetwork(model: model, report: report, inputs: ["z"], outputs: ["image"], namedLayers: named)
    }

    static func countWhile(_ present: (Int) -> Bool) -> Int {
        var k = 0
        while present(k) { k += 1 }
        return k
    }
}

extension NetworkBuilder {
    /// StyleGAN's dense layer: x·Wᵀ·gain/√in·lr + b·lr, as one Gemm (alpha, beta). Stored
    /// weights are N(0, 1/lr) when initialised, so the effective weights are He-scaled.
    mutating func equalizedLinear(_ x: String, _ prefix: String, in cin: Int, out cout: Int, gain: Double, learningRate lr: Float) -> String {
        let w = parameter("\(prefix).linear.weight", shape: [cout, cin], .normal(std: 1 / lr))
        let b = parameter("\(prefix).wscale.bias", shape: [cout], .zeros)
        let alpha = Float(gain / Double(cin).squareRoot() * Double(lr))
        return op("Gemm", [x, w, b], ["transB": .int(1), "alpha": .float(alpha), "beta": .float(lr)])
    }

    /// Conv 3×3 (pad 1, no bias) times √2/√(in·9).
    mutating func equalizedConv(_ x: String, _ name: String, in cin: Int, out cout: Int) -> String {
        let w = parameter(name, shape: [cout, cin, 3, 3], .normal(std: 1))
        let y = op("Conv", [x, w], ["kernel_shape": .ints([3, 3]), "pads": .ints([1, 1, 1, 1])])
        return mul(y, constant(Tensor(scalar: Float(2.0.squareRoot() / Double(cin * 9).squareRoot())), "scale"))
    }

    /// The original's fused upscale + conv: the scaled [3, 3, in, out] kernel is zero-padded to
    /// 5×5, its four 4×4 shifts summed, and applied as a stride-2 transposed convolution (equal
    /// to nearest 2× upsampling followed by the spatially flipped 3×3 conv).
    mutating func fusedUpConv(_ x: String, _ name: String, in cin: Int, out cout: Int) -> String {
        let w = parameter(name, shape: [3, 3, cin, cout], .normal(std: 1))
        let scaled = mul(w, constant(Tensor(scalar: Float(2.0.squareRoot() / Double(cin * 9).squareRoot())), "scale"))
        let padded = op("Pad", [scaled, constant(Tensor(shape: [8], int64s: [1, 1, 0, 0, 1, 1, 0, 0]), "pads")])
        func shift(_ a: Int64, _ b: Int64) -> String {
            op("Slice", [padded, constant(Tensor(shape: [2], int64s: [a, b]), "starts"),
                         constant(Tensor(shape: [2], int64s: [a + 4, b + 4]), "ends"), constant(Tensor(shape: [2], int64s: [0, 1]), "axes")])
        }
        let summed = add(add(shift(1, 1), shift(0, 1)), add(shift(1, 0), shift(0, 0)))
        let kernel = op("Transpose", [summed], ["perm": .ints([2, 3, 0, 1])])
        return op("ConvTranspose", [x, kernel], ["kernel_shape": .ints([4, 4]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])])
    }

    /// Depthwise [1,2,1]ᵀ[1,2,1]/16 blur, pad 1.
    mutating func blur(_ x: String, channels c: Int) -> String {
        let taps: [Float] = [1, 2, 1, 2, 4, 2, 1, 2, 1].map { $0 / 16 }
        let kernel = constant(Tensor(shape: [c, 1, 3, 3], floats: Array((0..<c).map { _ in taps }.joined())), "blur")
        return op("Conv", [x, kernel], ["kernel_shape": .ints([3, 3]), "pads": .ints([1, 1, 1, 1]), "group": .int(c)])
    }

    /// + noise·weight, + bias, LeakyReLU(0.2), instance norm, then x·(1 + s) + t with [s, t] the
    /// style affine of `style`.
    mutating func styleEpilogue(_ x: String, _ prefix: String, channels c: Int, size: Int, style: String, styleSize: Int) -> String {
        let noise = buffer("\(prefix).apply_noise.noise", shape: [1, 1, size, size], .normal(std: 1))
        let noiseWeight = reshape(parameter("\(prefix).apply_noise.weight", shape: [c], .zeros), [1, c, 1, 1])
        var y = add(x, mul(noise, noiseWeight))
        y = add(y, reshape(parameter("\(prefix).bias", shape: [c], .zeros), [1, c, 1, 1]))
        y = leakyRelu(y, 0.2)
        y = op("InstanceNormalization", [y, constant(Tensor(shape: [c], floats: Array(repeating: 1, count: c)), "ones"),
                                         constant(Tensor(zeros: [c], dtype: .float32), "zeros")], ["epsilon": .float(1e-8)])
        let affine = equalizedLinear(style, "\(prefix).style_mod.dense", in: styleSize, out: 2 * c, gain: 1, learningRate: 1)
        let st = reshape(affine, [-1, 2, c, 1, 1])
        let scale = op("Gather", [st, constant(Tensor(scalarInt64: 0), "index")], ["axis": .int(1)])
        let shift = op("Gather", [st, constant(Tensor(scalarInt64: 1), "index")], ["axis": .int(1)])
        return add(mul(y, add(scale, constant(Tensor(scalar: 1), "one"))), shift)
    }
}
