import Runtime

/// One dimension of a port's shape: a size, or a name for a size chosen at run time ("N").
public enum PortDim: Equatable, CustomStringConvertible {
    case fixed(Int)
    case symbolic(String)

    public var value: Int? { if case .fixed(let v) = self { return v } else { return nil } }
    public var description: String {
        switch self {
        case .fixed(let v): return String(v)
        case .symbolic(let s): return s
        }
    }
    var json: JSONValue {
        switch self {
        case .fixed(let v): return .int(v)
        case .symbolic(let s): return .string(s)
        }
    }
}

/// How a generator's latents are drawn.
public enum LatentDistribution: String, CaseIterable {
    /// Independent standard normal entries.
    case normal
    /// Independent entries uniform in [-1, 1].
    case uniform
}

/// What a segmenter's score output holds.
public enum ScoreActivation: String, CaseIterable {
    /// Per-class probabilities (one channel with two labels: the probability of the second).
    case probabilities
    /// Per-class logits: softmax over channels (one channel with two labels: sigmoid).
    case logits
}

/// A typed graph input or output of a plugin: name, element type, shape and what it carries.
public struct Port: Equatable, CustomStringConvertible {
    public enum Role: String, CaseIterable {
        /// A generator's latent input.
        case latent
        /// An image: a generator's output, a segmenter's, feature net's or encoder's input.
        case image
        /// A segmenter's per-class scores.
        case scores
        /// A feature map.
        case features
    }

    public var name: String
    public var dtype: DType
    public var shape: [PortDim]
    public var role: Role?
    /// Images and scores: "NCHW" or "NHWC".
    public var layout: String?
    /// Images: the nominal value range.
    public var range: ClosedRange<Float>?
    /// Latents: how they are drawn.
    public var distribution: LatentDistribution?
    /// Scores: probabilities or logits.
    public var activation: ScoreActivation?

    public init(name: String, dtype: DType = .float32, shape: [PortDim], role: Role? = nil, layout: String? = nil,
                range: ClosedRange<Float>? = nil, distribution: LatentDistribution? = nil, activation: ScoreActivation? = nil) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.role = role
        self.layout = layout
        self.range = range
        self.distribution = distribution
        self.activation = activation
    }

    public static let layouts = ["NCHW", "NHWC"]

    /// The shape without its first (batch) dimension, when all of those are fixed.
    public var perSampleShape: [Int]? {
        let rest = shape.dropFirst()
        guard !shape.isEmpty, rest.allSatisfy({ $0.value != nil }) else { return nil }
        return rest.map { $0.value! }
    }

    /// Channels, height and width of an image or score port, read through its layout.
    public var chw: (c: Int?, h: Int?, w: Int?)? {
        guard shape.count == 4 else { return nil }
        let d = shape.map(\.value)
        return layout == "NHWC" ? (d[3], d[1], d[2]) : (d[1], d[2], d[3])
    }

    public var shapeDescription: String { "[" + shape.map(\.description).joined(separator: ", ") + "]" }
    public var description: String { "'\(name)' \(dtype)\(shapeDescription)" }
}
