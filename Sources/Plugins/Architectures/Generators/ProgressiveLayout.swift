import Runtime

/// One convolution layer of the ProGAN family's schedule.
struct ProgressiveLayer {
    /// 1-based: the original's `layerK` / `features.{K-1}`.
    var index: Int
    var input: Int
    var output: Int
    var kernel: Int
    var padding: Int
    /// Nearest 2× upsampling before the convolution.
    var upsample: Bool
    /// Spatial size of the layer's output.
    var size: Int
}

/// The layer schedule shared by ProGAN and its ablation baselines (proggan.py,
/// proggan_ablation.py). Channels [z, 4², 8², …, R²] give layer1 (k4 pad 3: the 1×1 latent
/// becomes 4×4), layer2 (3×3 at 4×4), then for every doubling an upscale layer (nearest 2×,
/// 3×3) and a plain 3×3 layer: 2·log2(R/2) layers for an R×R image.
enum ProgressiveLayout {
    /// 8×8 … 1024×1024.
    static let channelCounts = 3...10

    static func resolution(_ channels: [Int]) -> Int { 1 << channels.count }

    static func validate(_ channels: [Int], _ architecture: String) throws {
        guard channelCounts.contains(channels.count) else {
            throw RuntimeError.invalid("\(architecture): channels lists [z, 4², 8², …, R²] depths, 3 (8×8) to 10 (1024×1024) of them; got \(channels.count): \(channels)")
        }
        guard channels.allSatisfy({ $0 > 0 }) else {
            throw RuntimeError.invalid("\(architecture): channel counts must be positive, got \(channels)")
        }
    }

    static func layers(_ channels: [Int]) -> [ProgressiveLayer] {
        var layers = [ProgressiveLayer(index: 1, input: channels[0], output: channels[1], kernel: 4, padding: 3, upsample: false, size: 4),
                      ProgressiveLayer(index: 2, input: channels[1], output: channels[1], kernel: 3, padding: 1, upsample: false, size: 4)]
        var size = 4
        for j in 1..<(channels.count - 1) {
            size *= 2
            layers.append(ProgressiveLayer(index: 2 * j + 1, input: channels[j], output: channels[j + 1], kernel: 3, padding: 1, upsample: true, size: size))
            layers.append(ProgressiveLayer(index: 2 * j + 2, input: channels[j + 1], output: channels[j + 1], kernel: 3, padding: 1, upsample: false, size: size))
        }
        return layers
    }

    /// How many layers a checkpoint holds: K = 1, 2, … while `weightName(K)` is present.
    static func layerCount(_ weights: StateDict, weightName: (Int) -> String) -> Int {
        var k = 0
        while weights[weightName(k + 1)] != nil { k += 1 }
        return k
    }

    /// The channel plan read back from the conv weights ([out, in, k, k]) of `count` layers:
    /// z = layer1's input, then the output of every odd layer (the ones that change depth).
    static func channels(layers count: Int, _ weights: StateDict, weightName: (Int) -> String, _ architecture: String) throws -> [Int] {
        guard count >= 4, count % 2 == 0 else {
            throw RuntimeError.invalid("\(architecture): the checkpoint has \(count) conv layers (\(weightName(1)) …); a generator of 8×8 or more has an even number, at least 4")
        }
        var channels = [try CheckpointShapes.shape(weights, weightName(1), rank: 4, architecture)[1]]
        for k in stride(from: 1, to: count, by: 2) {
            channels.append(try CheckpointShapes.shape(weights, weightName(k), rank: 4, architecture)[0])
        }
        try validate(channels, architecture)
        return channels
    }
}
