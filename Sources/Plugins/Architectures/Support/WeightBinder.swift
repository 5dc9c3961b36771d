import Runtime

/// How a parameter is initialised when no checkpoint supplies it.
public enum ParameterInit {
    case zeros
    case ones
    case constant(Float)
    /// Kaiming-normal for a (LeakyReLU-)ReLU network: std = gain / sqrt(fanIn), gain = sqrt(2 / (1 + slope²)).
    case kaimingNormal(fanIn: Int, negativeSlope: Float = 0)
    case normal(std: Float)
}

/// Hands architecture builders their parameters by name: from a checkpoint when it has the name
/// with the right shape, otherwise seeded initialisation, recording every mismatch.
public struct WeightBinder {
    public private(set) var report = WeightReport()
    private let source: StateDict
    private var rng: SeededRandom
    private var used: Set<String> = []

    /// `source` empty: a freshly initialised network, seeded.
    public init(_ source: StateDict = StateDict(), seed: UInt64 = 0) {
        self.source = source
        self.rng = SeededRandom(seed: seed)
    }

    /// The checkpoint's shape for `name`, for architectures that read sizes from the weights
    /// (ProGAN channel counts, the number of segmenter classes).
    public func shape(of name: String) -> [Int]? { source[name]?.shape }

    /// Whether the checkpoint has `name` (e.g. to choose an output layer by its name).
    public var sourceNames: [String] { source.names }

    public mutating func parameter(_ name: String, shape: [Int], initializer: ParameterInit) -> Tensor {
        report.parameters.append(name)
        if let t = source[name] {
            used.insert(name)
            if t.shape == shape {
                report.loaded.append(name)
                return t.converted(to: .float32)
            }
            report.misshaped.append(.init(name: name, expected: shape, got: t.shape))
        } else if !source.isEmpty {
            report.missing.append(name)
        }
        return initialise(shape, initializer)
    }

    /// A buffer (e.g. StyleGAN's fixed noise): bound from the checkpoint when it has `name`,
    /// seeded otherwise without counting as missing, since PyTorch ports often leave such
    /// buffers out of their state dicts.
    public mutating func buffer(_ name: String, shape: [Int], initializer: ParameterInit) -> Tensor {
        guard source[name] != nil else { return initialise(shape, initializer) }
        return parameter(name, shape: shape, initializer: initializer)
    }

    /// Marks a checkpoint entry the architecture reads nothing from (BatchNorm's
    /// `num_batches_tracked`, a progressive GAN's lower-resolution output layers, a
    /// segmenter's unused heads) as accounted for: reported as ignored, not unexpected.
    public mutating func acknowledge(_ name: String) {
        guard source[name] != nil, !used.contains(name) else { return }
        used.insert(name)
        report.ignored.append(name)
    }

    /// Closes the report: every checkpoint tensor nobody asked for is "unexpected".
    public mutating func finish() -> WeightReport {
        report.unexpected = source.names.filter { !used.contains($0) }
        return report
    }

    private mutating func initialise(_ shape: [Int], _ initializer: ParameterInit) -> Tensor {
        var t = Tensor(zeros: shape, dtype: .float32)
        let fill: Float?
        var std: Double = 0
        switch initializer {
        case .zeros: fill = 0
        case .ones: fill = 1
        case .constant(let v): fill = v
        case .kaimingNormal(let fanIn, let slope):
            fill = nil
            std = (2.0 / (1.0 + Double(slope * slope))).squareRoot() / Double(max(fanIn, 1)).squareRoot()
        case .normal(let s): fill = nil; std = Double(s)
        }
        t.withUnsafeMutableBufferPointer(as: Float.self) { p in
            if let fill {
                for i in p.indices { p[i] = fill }
            } else {
                for i in p.indices { p[i] = Float(rng.normal() * std) }
            }
        }
        return t
    }
}
