import Runtime

/// The perceptual-loss feature network: torchvision's `vgg16().features` (13 Conv3×3-pad-1 +
/// ReLU, MaxPool 2×2 after each block), cut after a named layer. Parameter names are
/// torchvision's (`features.0.weight` … `features.28.bias`: the index of the conv in the
/// Sequential); value names are `relu1_1` … `relu5_3` and `pool1` … `pool5`. The default cut,
/// relu4_2, is `features[0...20]` as the original method uses. Fully convolutional: any size.
///
/// Input: the original feeds the [-1, 1] RGB image straight in (`preprocessing: .none`, the
/// default), although torchvision's weights were trained on ImageNet-normalised input
/// (`VGG16Features.imagenet`); Keras weights (`kerasStateDict`) expect `VGG16Features.kerasCaffe`.
public enum VGG16Features {
    public struct Config: Equatable {
        /// The last layer kept (its value is the output).
        public var through: String
        public var inputChannels: Int
        /// Channels of block 1 (64); blocks 2…5 have 2w, 4w, 8w, 8w.
        public var baseWidth: Int
        /// Prepended as graph ops (`.none`: the input goes straight to the first conv).
        public var preprocessing: InputPreprocessing

        public init(through: String = "relu4_2", inputChannels: Int = 3, baseWidth: Int = 64,
                    preprocessing: InputPreprocessing = .none) {
            self.through = through
            self.inputChannels = inputChannels
            self.baseWidth = baseWidth
            self.preprocessing = preprocessing
        }
    }

    public static let inputName = "image"
    static let convsPerBlock = [2, 2, 3, 3, 3]

    /// Every layer that can be cut at, in order.
    public static let layerNames: [String] = convsPerBlock.enumerated().flatMap { b, n in
        (1...n).map { "relu\(b + 1)_\($0)" } + ["pool\(b + 1)"]
    }

    /// torchvision's ImageNet normalisation from a [-1, 1] RGB image.
    public static let imagenet = InputPreprocessing.meanStd(
        mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225],
        summary: "((x + 1) / 2 − mean [0.485, 0.456, 0.406]) / std [0.229, 0.224, 0.225] (torchvision ImageNet)")

    /// Keras VGG16's caffe-style input from a [-1, 1] RGB image.
    public static let kerasCaffe = InputPreprocessing.caffe(
        bgrMean: [103.939, 116.779, 123.68],
        summary: "(x + 1) / 2 · 255, RGB → BGR, minus BGR mean [103.939, 116.779, 123.68] (Keras VGG16)")

    /// The graph takes the [-1, 1] image: `config.preprocessing`, if any, is part of the graph.
    public static func input(for config: Config = Config()) -> InputContract {
        InputContract(channels: config.inputChannels, height: nil, width: nil, range: -1...1, preprocessing: .none)
    }

    /// `config` nil: the default cut, with the width read from `weights` when it has `features.0.weight`.
    public static func build(weights: StateDict = StateDict(), config: Config? = nil, seed: UInt64 = 0) throws -> BuiltNetwork {
        var c = config ?? Config()
        if config == nil, let s = weights["features.0.weight"]?.shape, s.count == 4 {
            c.baseWidth = s[0]
            c.inputChannels = s[1]
        }
        guard let last = layerNames.firstIndex(of: c.through) else {
            throw RuntimeError.invalid("VGG16Features: no layer '\(c.through)' to cut after; layers: \(layerNames.joined(separator: ", "))")
        }
        guard c.inputChannels > 0, c.baseWidth > 0 else {
            throw RuntimeError.invalid("VGG16Features: channels must be positive (got input \(c.inputChannels), width \(c.baseWidth))")
        }
        if !c.preprocessing.isIdentity && c.preprocessing.scale.count != c.inputChannels {
            throw RuntimeError.invalid("VGG16Features: the preprocessing has \(c.preprocessing.scale.count) channels, the input \(c.inputChannels)")
        }

        var nb = NetworkBuilder(name: "VGG16Features", weights: WeightBinder(weights, seed: seed))
        var x = nb.preprocess(nb.input(inputName, shape: [nil, c.inputChannels, nil, nil]), c.preprocessing)
        let widths = [1, 2, 4, 8, 8].map { $0 * c.baseWidth }
        var named: [String] = []
        var index = 0 // position in torchvision's `features` Sequential
        var cin = c.inputChannels
        outer: for (b, n) in convsPerBlock.enumerated() {
            for k in 1...n {
                x = nb.relu(nb.conv(x, "features.\(index)", in: cin, out: widths[b], kernel: 3, pad: 1))
                cin = widths[b]
                index += 2
                x = nb.name(x, "relu\(b + 1)_\(k)")
                named.append(x)
                if named.count == last + 1 { break outer }
            }
            x = nb.maxPool(x, kernel: 2, stride: 2)
            index += 1
            x = nb.name(x, "pool\(b + 1)")
            named.append(x)
            if named.count == last + 1 { break }
        }
        nb.output(x)
        let (model, report) = nb.finish(metadata: ["seeing.architecture": "VGG16Features", "seeing.through": c.through,
                                                    "seeing.input": input(for: c).description])
        return BuiltNetwork(model: model, report: report, inputs: [inputName], outputs: [x], namedLayers: named)
    }
}
