import Runtime

/// The original's scene segmenter: UPerNet (Unified Perceptual Parsing, CSAIL
/// `unifiedparsing`, arch ('resnet50', 'upernet')), object head only.
///
/// - Encoder: ResNet-50 with a deep stem (3×3 convs 3→w s2, w→w, w→2w, each BN+ReLU; maxpool
///   3 s2 p1), bottleneck stages with the stride on the 3×3 conv; C2…C5 = 4w…32w channels at
///   strides 4…32.
/// - PPM on C5: for each scale s, pool the whole map to s×s, upsample bilinearly back
///   (align_corners=False), THEN Conv1×1 (no bias) → BN → ReLU — the code applies the conv after
///   the upsampling; concat with C5 → Conv3×3-BN-ReLU (`ppm`).
/// - FPN: lateral Conv1×1-BN-ReLU, top-down bilinear upsample + add, Conv3×3-BN-ReLU per level;
///   P3…P5 upsampled to P2, concat → Conv3×3-BN-ReLU (`fusion`).
/// - Object head: Conv3×3-BN-ReLU → Conv1×1 (bias) → K classes; upsampled to the input size,
///   softmax over classes (`scores`). Before upsampling they are the named layer `logits`.
///
/// Parameter names are the CSAIL ones, prefixed by the file each lives in: `encoder.conv1.weight`,
/// `encoder.bn1.running_mean`, `encoder.layer1.0.conv2.weight`, `encoder.layer1.0.downsample.0.weight`,
/// `decoder.ppm_conv.{i}.0.weight`, `decoder.ppm_conv.{i}.1.*`, `decoder.ppm_last_conv.{0,1}.*`,
/// `decoder.fpn_in.{i}.{0,1}.*`, `decoder.fpn_out.{i}.0.{0,1}.*`, `decoder.conv_fusion.{0,1}.*`,
/// `decoder.object_head.0.{0,1}.*`, `decoder.object_head.1.{weight,bias}`. The released model is two
/// files (`encoder_epoch_40.pth`, `decoder_epoch_40.pth`) without these prefixes: join them with
/// `stateDict(encoder:decoder:)`. Its scene, part and material heads are reported as ignored.
public enum UPerNet {
    public struct Config: Equatable {
        /// Object classes K, class 0 '-' included.
        public var classes: Int
        public var height: Int
        public var width: Int
        /// ResNet width w (64): the stem is 3→w→w→2w, stage k has w·2^k planes, 4× that out.
        public var baseWidth: Int
        public var blocks: [Int]
        public var ppmChannels: Int
        public var fpnChannels: Int
        public var poolScales: [Int]
        public var pooling: WholeMapPooling
        /// Prepend `UPerNet.preprocessing` as graph ops: the graph then takes [-1, 1] RGB.
        public var includePreprocessing: Bool

        public init(classes: Int = UPerNet.defaultClasses, height: Int = 256, width: Int = 256, baseWidth: Int = 64,
                    blocks: [Int] = [3, 4, 6, 3], ppmChannels: Int = 512, fpnChannels: Int = 512,
                    poolScales: [Int] = [1, 2, 3, 6], pooling: WholeMapPooling = .preciseRoI,
                    includePreprocessing: Bool = false) {
            self.classes = classes
            self.height = height
            self.width = width
            self.baseWidth = baseWidth
            self.blocks = blocks
            self.ppmChannels = ppmChannels
            self.fpnChannels = fpnChannels
            self.poolScales = poolScales
            self.pooling = pooling
            self.includePreprocessing = includePreprocessing
        }
    }

    /// The released segmenter's object classes (0 '-', 1 wall, 2 sky, … 335 chimney).
    public static let defaultClasses = 336
    public static let inputName = "image"
    public static let outputName = "scores"
    /// Encoder stages, the PPM output (the FPN's top level P5), the fused FPN features, and the
    /// object logits at 1/4 of the input size (before upsampling and softmax).
    public static let namedLayers = ["C2", "C3", "C4", "C5", "ppm", "fusion", "logits"]
    /// Heads of the released decoder this builder does not build (the statistics use objects only).
    public static let unusedHeads = ["decoder.scene_head.", "decoder.part_head.", "decoder.material_head."]

    /// How the original feeds it: [-1, 1] RGB → (x + 1) / 2 · 255, RGB → BGR, minus the BGR mean.
    public static let preprocessing = InputPreprocessing.caffe(
        bgrMean: [102.9801, 115.9465, 122.7717],
        summary: "(x + 1) / 2 · 255, RGB → BGR, minus BGR mean [102.9801, 115.9465, 122.7717]")

    /// The graph input for `config`: [-1, 1] RGB when the preprocessing is included.
    public static func input(for config: Config = Config()) -> InputContract {
        config.includePreprocessing
            ? InputContract(channels: 3, height: config.height, width: config.width, range: -1...1, preprocessing: .none)
            : InputContract(channels: 3, height: config.height, width: config.width, range: -122.7717...152.0199, preprocessing: preprocessing)
    }

    /// Joins the released encoder and decoder files into this builder's names.
    public static func stateDict(encoder: StateDict, decoder: StateDict) -> StateDict {
        var joined = encoder.prefixed("encoder.")
        for name in decoder.names { joined["decoder." + name] = decoder[name] }
        return joined
    }

    /// Classes, widths and block counts read from a checkpoint (input size and pooling are not
    /// in it: they keep their defaults).
    public static func config(inferredFrom weights: StateDict) throws -> Config {
        guard let classes = ResNetShapes.dim(weights, "decoder.object_head.1.weight", 0) else {
            throw RuntimeError.invalid("UPerNet: cannot read the number of classes: the checkpoint has no 'decoder.object_head.1.weight' "
                + "(pass a Config, or join the released encoder/decoder files with UPerNet.stateDict(encoder:decoder:))")
        }
        var c = Config(classes: classes)
        if let w = ResNetShapes.dim(weights, "encoder.conv1.weight", 0) { c.baseWidth = w }
        if let b = ResNetShapes.blockCounts(in: weights, prefix: "encoder.", stages: 4) { c.blocks = b }
        if let p = ResNetShapes.dim(weights, "decoder.ppm_conv.0.0.weight", 0) { c.ppmChannels = p }
        if let f = ResNetShapes.dim(weights, "decoder.conv_fusion.0.weight", 0) { c.fpnChannels = f }
        let branches = Set(weights.names.compactMap { n -> Int? in
            guard n.hasPrefix("decoder.ppm_conv.") else { return nil }
            return Int(n.dropFirst("decoder.ppm_conv.".count).prefix { $0 != "." })
        }).count
        if branches > 0 && branches != c.poolScales.count {
            throw RuntimeError.invalid("UPerNet: the checkpoint has \(branches) PPM branches but the scales are \(c.poolScales) "
                + "(pass a Config with \(branches) pool scales)")
        }
        return c
    }

    /// `config` nil: inferred from `weights` (defaults for a fresh network).
    public static func build(weights: StateDict = StateDict(), config: Config? = nil, seed: UInt64 = 0) throws -> BuiltNetwork {
        let c = try config ?? (weights.isEmpty ? Config() : Self.config(inferredFrom: weights))
        try validate(c)
        var nb = NetworkBuilder(name: "UPerNet", weights: WeightBinder(weights, seed: seed))
        for name in weights.names where unusedHeads.contains(where: name.hasPrefix) { nb.weights.acknowledge(name) }

        let image = nb.input(inputName, shape: [nil, 3, c.height, c.width])
        var x = c.includePreprocessing ? nb.preprocess(image, preprocessing) : image

        // Encoder: deep stem, then four bottleneck stages.
        let w = c.baseWidth
        x = nb.convBN(x, conv: "encoder.conv1", bn: "encoder.bn1", in: 3, out: w, kernel: 3, stride: 2, pad: 1)
        x = nb.convBN(x, conv: "encoder.conv2", bn: "encoder.bn2", in: w, out: w, kernel: 3, pad: 1)
        x = nb.convBN(x, conv: "encoder.conv3", bn: "encoder.bn3", in: w, out: 2 * w, kernel: 3, pad: 1)
        x = nb.maxPool(x, kernel: 3, stride: 2, pad: 1)
        var h = ResNetShapes.out(ResNetShapes.out(c.height, kernel: 3, stride: 2, pad: 1), kernel: 3, stride: 2, pad: 1)
        var wd = ResNetShapes.out(ResNetShapes.out(c.width, kernel: 3, stride: 2, pad: 1), kernel: 3, stride: 2, pad: 1)
        var features: [(value: String, channels: Int, h: Int, w: Int)] = []
        var cin = 2 * w
        for (k, count) in c.blocks.enumerated() {
            let planes = w << k, stride = k == 0 ? 1 : 2
            for b in 0..<count {
                x = nb.bottleneck(x, "encoder.layer\(k + 1).\(b)", in: cin, planes: planes, stride: b == 0 ? stride : 1)
                cin = 4 * planes
            }
            if stride == 2 {
                h = ResNetShapes.out(h, kernel: 3, stride: 2, pad: 1)
                wd = ResNetShapes.out(wd, kernel: 3, stride: 2, pad: 1)
            }
            x = nb.name(x, "C\(k + 2)")
            features.append((x, cin, h, wd))
        }

        // PPM on C5.
        let c5 = features[3]
        var ppm = [c5.value]
        for (i, s) in c.poolScales.enumerated() {
            var p = nb.poolWholeMap(c5.value, height: c5.h, width: c5.w, to: s, c.pooling)
            p = nb.resizeBilinear(p, height: c5.h, width: c5.w)
            ppm.append(nb.convBN(p, conv: "decoder.ppm_conv.\(i).0", bn: "decoder.ppm_conv.\(i).1", in: c5.channels,
                                 out: c.ppmChannels, kernel: 1, fanOutInit: false))
        }
        let fpn = c.fpnChannels
        var f = nb.convBN(nb.concat(ppm), conv: "decoder.ppm_last_conv.0", bn: "decoder.ppm_last_conv.1",
                          in: c5.channels + c.poolScales.count * c.ppmChannels, out: fpn, kernel: 3, pad: 1, fanOutInit: false)
        f = nb.name(f, "ppm")

        // FPN, top-down from the PPM output (P5).
        var pyramid = [f]
        for i in (0..<3).reversed() {
            let level = features[i]
            let lateral = nb.convBN(level.value, conv: "decoder.fpn_in.\(i).0", bn: "decoder.fpn_in.\(i).1",
                                    in: level.channels, out: fpn, kernel: 1, fanOutInit: false)
            f = nb.add(lateral, nb.resizeBilinear(f, height: level.h, width: level.w))
            pyramid.append(nb.convBN(f, conv: "decoder.fpn_out.\(i).0.0", bn: "decoder.fpn_out.\(i).0.1", in: fpn, out: fpn,
                                     kernel: 3, pad: 1, fanOutInit: false))
        }
        pyramid.reverse() // P2 … P5
        let p2 = features[0]
        let fusionIn = [pyramid[0]] + pyramid.dropFirst().map { nb.resizeBilinear($0, height: p2.h, width: p2.w) }
        var y = nb.convBN(nb.concat(fusionIn), conv: "decoder.conv_fusion.0", bn: "decoder.conv_fusion.1",
                          in: 4 * fpn, out: fpn, kernel: 3, pad: 1, fanOutInit: false)
        y = nb.name(y, "fusion")

        // Object head, upsampled to the input and normalised over classes.
        y = nb.convBN(y, conv: "decoder.object_head.0.0", bn: "decoder.object_head.0.1", in: fpn, out: fpn, kernel: 3, pad: 1,
                      fanOutInit: false)
        y = nb.name(nb.conv(y, "decoder.object_head.1", in: fpn, out: c.classes, kernel: 1), "logits")
        y = nb.resizeBilinear(y, height: c.height, width: c.width)
        let scores = nb.name(nb.op("Softmax", [y], ["axis": .int(1)]), outputName)
        nb.output(scores)

        let (model, report) = nb.finish(metadata: ["seeing.architecture": "UPerNet",
                                                    "seeing.classes": String(c.classes),
                                                    "seeing.input": input(for: c).description])
        return BuiltNetwork(model: model, report: report, inputs: [inputName], outputs: [scores], namedLayers: namedLayers)
    }

    static func validate(_ c: Config) throws {
        guard c.classes > 0, c.height > 0, c.width > 0, c.baseWidth > 0, c.ppmChannels > 0, c.fpnChannels > 0 else {
            throw RuntimeError.invalid("UPerNet: classes, size and widths must be positive (got \(c))")
        }
        guard c.blocks.count == 4, c.blocks.allSatisfy({ $0 > 0 }) else {
            throw RuntimeError.invalid("UPerNet: blocks must be four positive counts (C2…C5), got \(c.blocks)")
        }
        guard !c.poolScales.isEmpty, c.poolScales.allSatisfy({ $0 > 0 }) else {
            throw RuntimeError.invalid("UPerNet: pool scales must be positive, got \(c.poolScales)")
        }
    }
}
