import Runtime

/// ResNet pieces shared by the segmenter's ResNet-50 and the encoder's ResNet-18, with
/// torchvision's parameter names (`conv1`, `bn1`, …, `downsample.0`, `downsample.1`).
/// Convolutions are initialised as torchvision and the CSAIL code do: Kaiming-normal over the
/// fan-out (std = sqrt(2 / (k²·C_out))); BatchNorm starts as the identity.
extension NetworkBuilder {
    /// Conv (no bias) → BatchNorm → ReLU (ReLU left out when `relu` is false).
    mutating func convBN(_ x: String, conv: String, bn: String, in cin: Int, out cout: Int, kernel k: Int,
                         stride: Int = 1, pad: Int = 0, relu: Bool = true, fanOutInit: Bool = true) -> String {
        let w: ParameterInit? = fanOutInit ? .kaimingNormal(fanIn: cout * k * k) : nil
        let y = batchNorm(self.conv(x, conv, in: cin, out: cout, kernel: k, stride: stride, pad: pad, bias: false, weightInit: w),
                          bn, channels: cout)
        return relu ? self.relu(y) : y
    }

    /// The shortcut of a block: identity, or conv1×1 (stride) + BatchNorm when the shape changes.
    mutating func shortcut(_ x: String, _ prefix: String, in cin: Int, out cout: Int, stride: Int) -> String {
        guard stride != 1 || cin != cout else { return x }
        return convBN(x, conv: "\(prefix).downsample.0", bn: "\(prefix).downsample.1", in: cin, out: cout, kernel: 1,
                      stride: stride, relu: false)
    }

    /// torchvision BasicBlock: 3×3 (stride) → BN → ReLU → 3×3 → BN, plus the shortcut, → ReLU.
    mutating func basicBlock(_ x: String, _ prefix: String, in cin: Int, planes: Int, stride: Int) -> String {
        var y = convBN(x, conv: "\(prefix).conv1", bn: "\(prefix).bn1", in: cin, out: planes, kernel: 3, stride: stride, pad: 1)
        y = convBN(y, conv: "\(prefix).conv2", bn: "\(prefix).bn2", in: planes, out: planes, kernel: 3, pad: 1, relu: false)
        return relu(add(y, shortcut(x, prefix, in: cin, out: planes, stride: stride)))
    }

    /// Bottleneck with the stride on its 3×3 conv (torchvision ≥ 0.4 and the CSAIL ResNet):
    /// 1×1 → BN → ReLU → 3×3 (stride) → BN → ReLU → 1×1 (4·planes) → BN, plus the shortcut, → ReLU.
    mutating func bottleneck(_ x: String, _ prefix: String, in cin: Int, planes: Int, stride: Int) -> String {
        var y = convBN(x, conv: "\(prefix).conv1", bn: "\(prefix).bn1", in: cin, out: planes, kernel: 1)
        y = convBN(y, conv: "\(prefix).conv2", bn: "\(prefix).bn2", in: planes, out: planes, kernel: 3, stride: stride, pad: 1)
        y = convBN(y, conv: "\(prefix).conv3", bn: "\(prefix).bn3", in: planes, out: 4 * planes, kernel: 1, relu: false)
        return relu(add(y, shortcut(x, prefix, in: cin, out: 4 * planes, stride: stride)))
    }
}

enum ResNetShapes {
    /// Output length of a convolution or pooling window along one axis.
    static func out(_ n: Int, kernel k: Int, stride s: Int, pad p: Int) -> Int { (n + 2 * p - k) / s + 1 }

    /// Blocks per stage in a checkpoint: 1 + the largest N of `<prefix>layerK.N.` for K = 1…stages;
    /// nil when a stage has none.
    static func blockCounts(in weights: StateDict, prefix: String, stages: Int) -> [Int]? {
        var counts: [Int] = []
        for k in 1...stages {
            let head = "\(prefix)layer\(k)."
            let indices = weights.names.compactMap { name -> Int? in
                guard name.hasPrefix(head) else { return nil }
                return Int(name.dropFirst(head.count).prefix { $0 != "." })
            }
            guard let last = indices.max() else { return nil }
            counts.append(last + 1)
        }
        return counts
    }

    /// Dimension `axis` of the checkpoint tensor `name`, if it has one.
    static func dim(_ weights: StateDict, _ name: String, _ axis: Int) -> Int? {
        guard let s = weights[name]?.shape, axis < s.count else { return nil }
        return s[axis]
    }
}
