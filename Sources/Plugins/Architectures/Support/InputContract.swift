import Runtime

/// The per-channel map from the project's image convention (NCHW, RGB, values in [-1, 1]) to
/// what a network's first layer was trained on: channel c of the result is
/// `x[channelOrder[c]] · scale[c] + shift[c]`. Every preprocessing these networks need
/// (caffe-style BGR 0–255 minus a mean, torchvision's mean/std) has this form.
public struct InputPreprocessing: Equatable, CustomStringConvertible {
    public var summary: String
    /// Source channel of each result channel ([2, 1, 0]: RGB → BGR).
    public var channelOrder: [Int]
    public var scale: [Float]
    public var shift: [Float]

    public init(summary: String, channelOrder: [Int], scale: [Float], shift: [Float]) {
        self.summary = summary
        self.channelOrder = channelOrder
        self.scale = scale
        self.shift = shift
    }

    public var description: String { summary }

    /// Feed the [-1, 1] image unchanged.
    public static let none = InputPreprocessing(summary: "none: RGB in [-1, 1] as is",
                                                channelOrder: [0, 1, 2], scale: [1, 1, 1], shift: [0, 0, 0])

    /// [-1, 1] RGB → (x + 1) / 2 · 255, RGB → BGR, minus a BGR mean (caffe-style models).
    public static func caffe(bgrMean m: [Float], summary: String) -> InputPreprocessing {
        InputPreprocessing(summary: summary, channelOrder: [2, 1, 0], scale: [127.5, 127.5, 127.5],
                           shift: m.map { 127.5 - $0 })
    }

    /// [-1, 1] RGB → ((x + 1) / 2 − mean) / std (torchvision ImageNet models).
    public static func meanStd(mean: [Float], std: [Float], summary: String) -> InputPreprocessing {
        InputPreprocessing(summary: summary, channelOrder: [0, 1, 2], scale: std.map { 0.5 / $0 },
                           shift: zip(mean, std).map { (0.5 - $0) / $1 })
    }

    public var isIdentity: Bool {
        channelOrder == Array(channelOrder.indices) && scale.allSatisfy { $0 == 1 } && shift.allSatisfy { $0 == 0 }
    }
}

/// What a network's graph input is: layout, size, value range and the preprocessing that
/// turns a [-1, 1] RGB image into it (when the graph does not include it).
public struct InputContract: CustomStringConvertible {
    public var layout: String
    public var channels: Int
    /// nil: any size (fully convolutional).
    public var height: Int?
    public var width: Int?
    public var range: ClosedRange<Float>
    public var preprocessing: InputPreprocessing

    public init(layout: String = "NCHW", channels: Int, height: Int?, width: Int?, range: ClosedRange<Float>,
                preprocessing: InputPreprocessing) {
        self.layout = layout
        self.channels = channels
        self.height = height
        self.width = width
        self.range = range
        self.preprocessing = preprocessing
    }

    public var description: String {
        let size = height.map { h in "\(h)×\(width.map(String.init) ?? "?")" } ?? "any size"
        return "\(layout) \(channels)×\(size), range \(range.lowerBound)…\(range.upperBound); preprocessing: \(preprocessing)"
    }
}

extension NetworkBuilder {
    /// Applies `p` as graph ops (Gather for a channel reorder, then Mul and Add by
    /// [1, C, 1, 1] constants), so the graph takes the [-1, 1] RGB image directly.
    public mutating func preprocess(_ x: String, _ p: InputPreprocessing) -> String {
        guard !p.isIdentity else { return x }
        var y = x
        if p.channelOrder != Array(p.channelOrder.indices) {
            let order = constant(Tensor(shape: [p.channelOrder.count], int64s: p.channelOrder.map(Int64.init)), "channel_order")
            y = op("Gather", [y, order], ["axis": .int(1)])
        }
        let c = p.scale.count
        y = op("Mul", [y, constant(Tensor(shape: [1, c, 1, 1], floats: p.scale), "scale")])
        return op("Add", [y, constant(Tensor(shape: [1, c, 1, 1], floats: p.shift), "shift")])
    }
}
