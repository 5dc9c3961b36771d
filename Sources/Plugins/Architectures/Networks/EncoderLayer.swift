import Runtime

/// The per-layer encoders of the original's HybridLayerNormEncoder, each inverting one
/// generator layer (r_i is the generator's layer-i output; e_i(r_i) estimates r_{i−1}):
/// - e4 (r4 8×8 → r3 8×8): PixelNorm → Conv3×3 → BN → LReLU0.2 → Conv3×3 → BN → LReLU0.2 → Conv1×1
/// - e3 (r3 8×8 → r2 4×4): the same, the last Conv1×1 with stride 2
/// - e2 (r2 4×4 → r1 4×4): the same without the last Conv1×1
/// - e1 (r1 4×4 → z 1×1): PixelNorm → Conv4×4 (pad 0) → BN → LReLU0.2 → Conv1×1 → PixelNorm
///
/// Names are the original's `LayerNormEncoder` / `Layer1toZNormEncoder` ones: `conv1.*`, `bn1.*`,
/// `conv2.*`, `bn2.*`, `conv3.*` (all convs have biases). Weights start Kaiming-normal over the
/// fan-in, biases zero, BatchNorm the identity (the original's init).
public enum EncoderLayer {
    public enum Kind: String, CaseIterable, Equatable {
        case e1, e2, e3, e4

        /// The generator value it reads and the one it estimates.
        public var inputName: String {
            switch self {
            case .e1: return "r1"
            case .e2: return "r2"
            case .e3: return "r3"
            case .e4: return "r4"
            }
        }
        public var outputName: String {
            switch self {
            case .e1: return "z"
            case .e2: return "r1"
            case .e3: return "r2"
            case .e4: return "r3"
            }
        }
        /// Spatial size of the input in the original (256² ProGAN).
        public var defaultSize: Int { self == .e3 || self == .e4 ? 8 : 4 }
    }

    public struct Config: Equatable {
        public var kind: Kind
        public var channels: Int
        /// Input channels (default: `channels`).
        public var inChannels: Int?
        /// Input spatial size (default: the original's, `kind.defaultSize`).
        public var height: Int?
        public var width: Int?

        public init(kind: Kind = .e4, channels: Int = 512, inChannels: Int? = nil, height: Int? = nil, width: Int? = nil) {
            self.kind = kind
            self.channels = channels
            self.inChannels = inChannels
            self.height = height
            self.width = width
        }

        var cin: Int { inChannels ?? channels }
        var h: Int { height ?? kind.defaultSize }
        var w: Int { width ?? kind.defaultSize }
    }

    public static func input(for config: Config = Config()) -> InputContract {
        InputContract(channels: config.cin, height: config.h, width: config.w, range: -.infinity ... .infinity, preprocessing: .none)
    }

    /// The kind and widths read from a checkpoint. e1 (4×4 first conv) and e2 (no conv3) are
    /// recognisable; e3 and e4 differ only in a stride, which no checkpoint holds.
    public static func config(inferredFrom weights: StateDict, prefix: String = "") throws -> Config {
        guard let s = weights[prefix + "conv1.weight"]?.shape, s.count == 4 else {
            throw RuntimeError.invalid("EncoderLayer: the checkpoint has no 4-D '\(prefix)conv1.weight' to read the layer from")
        }
        let kind: Kind
        if s[2] == 4 {
            kind = .e1
        } else if weights[prefix + "conv3.weight"] == nil {
            kind = .e2
        } else {
            throw RuntimeError.invalid("EncoderLayer: e3 and e4 checkpoints look alike (only conv3's stride differs): pass a Config naming the layer")
        }
        return Config(kind: kind, channels: s[0], inChannels: s[1])
    }

    public static func build(weights: StateDict = StateDict(), config: Config? = nil, seed: UInt64 = 0) throws -> BuiltNetwork {
        let c = try config ?? (weights.isEmpty ? Config() : Self.config(inferredFrom: weights))
        var nb = NetworkBuilder(name: "EncoderLayer", weights: WeightBinder(weights, seed: seed))
        let x = nb.input(c.kind.inputName, shape: [nil, c.cin, c.h, c.w])
        let y = try body(&nb, x, prefix: "", config: c)
        nb.output(y)
        let (model, report) = nb.finish(metadata: ["seeing.architecture": "EncoderLayer.\(c.kind.rawValue)"])
        return BuiltNetwork(model: model, report: report, inputs: [x], outputs: [y], namedLayers: [y])
    }

    /// Appends the layer encoder to `nb` under `prefix`; its output gets the name `kind.outputName`.
    static func body(_ nb: inout NetworkBuilder, _ x: String, prefix p: String, config c: Config) throws -> String {
        guard c.channels > 0, c.cin > 0, c.h > 0, c.w > 0 else {
            throw RuntimeError.invalid("EncoderLayer \(c.kind.rawValue): channels and size must be positive (got \(c))")
        }
        let ch = c.channels
        var y = nb.pixelNorm(x)
        if c.kind == .e1 {
            guard c.h >= 4, c.w >= 4 else {
                throw RuntimeError.invalid("EncoderLayer e1: its 4×4 convolution needs an input of at least 4×4, got \(c.h)×\(c.w)")
            }
            y = nb.leakyRelu(nb.batchNorm(nb.conv(y, p + "conv1", in: c.cin, out: ch, kernel: 4), p + "bn1", channels: ch))
            y = nb.pixelNorm(nb.conv(y, p + "conv2", in: ch, out: ch, kernel: 1))
        } else {
            y = nb.leakyRelu(nb.batchNorm(nb.conv(y, p + "conv1", in: c.cin, out: ch, kernel: 3, pad: 1), p + "bn1", channels: ch))
            y = nb.leakyRelu(nb.batchNorm(nb.conv(y, p + "conv2", in: ch, out: ch, kernel: 3, pad: 1), p + "bn2", channels: ch))
            if c.kind != .e2 {
                y = nb.conv(y, p + "conv3", in: ch, out: ch, kernel: 1, stride: c.kind == .e3 ? 2 : 1)
            }
        }
        return nb.name(y, c.kind.outputName)
    }

    /// Spatial size after the layer encoder.
    static func outputSize(_ c: Config) -> (Int, Int) {
        switch c.kind {
        case .e1: return (c.h - 3, c.w - 3)
        case .e2, .e4: return (c.h, c.w)
        case .e3: return ((c.h - 1) / 2 + 1, (c.w - 1) / 2 + 1)
        }
    }
}
