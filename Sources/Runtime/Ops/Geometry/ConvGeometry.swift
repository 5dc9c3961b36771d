/// Everything about a Conv or ConvTranspose node that follows from its attributes and the
/// input and weight shapes: channel/group split, kernel, strides, dilations, resolved pads
/// (auto_pad, output_shape) and the output shape. Shared by the reference and oneDNN kernels.
public struct ConvGeometry: Equatable, Sendable {
    public let transposed: Bool
    public let batch: Int
    public let inChannels: Int
    public let outChannels: Int
    public let group: Int
    public let inputSpatial: [Int]
    public let outputSpatial: [Int]
    public let kernel: [Int]
    public let strides: [Int]
    public let dilations: [Int]
    /// Resolved (non-negative) padding per spatial axis. A ConvTranspose `output_shape` larger
    /// than the full result leaves the extra trailing positions without contributions.
    public let padsBegin: [Int]
    public let padsEnd: [Int]
    /// ConvTranspose `output_padding` (zeros for Conv).
    public let outputPadding: [Int]

    public var spatialRank: Int { inputSpatial.count }
    public var inputShape: [Int] { [batch, inChannels] + inputSpatial }
    public var outputShape: [Int] { [batch, outChannels] + outputSpatial }
    public var inChannelsPerGroup: Int { inChannels / group }
    public var outChannelsPerGroup: Int { outChannels / group }
    public var kernelSize: Int { kernel.reduce(1, *) }
    public var inputSpatialSize: Int { inputSpatial.reduce(1, *) }
    public var outputSpatialSize: Int { outputSpatial.reduce(1, *) }
    /// Extent of the dilated kernel on axis `i`.
    public func dilatedKernel(_ i: Int) -> Int { (kernel[i] - 1) * dilations[i] + 1 }

    /// Conv: input [N, C, D1…], weight [M, C/group, k1…] → output [N, M, O1…].
    /// ConvTranspose: input [N, C, D1…], weight [C, M/group, k1…] → output [N, M, O1…].
    public init(node: Node, input: [Int], weight: [Int], transposed: Bool) throws {
        let what = transposed ? "ConvTranspose" : "Conv"
        guard input.count >= 3 else {
            throw RuntimeError.invalid("\(what) input must have rank >= 3 ([N, C, spatial…]), got shape \(input)")
        }
        guard weight.count == input.count else {
            throw RuntimeError.invalid("\(what) weight must have the input's rank \(input.count), got weight shape \(weight) for input \(input)")
        }
        let rank = input.count - 2
        let g = node.int("group", default: 1)
        guard g >= 1 else { throw RuntimeError.invalid("group must be >= 1, got \(g)") }
        let c = input[1]
        guard c % g == 0 else {
            throw RuntimeError.invalid("input channels \(c) are not divisible by group \(g)")
        }
        let k = Array(weight[2...])
        if let ks = node.ints("kernel_shape"), ks != k {
            throw RuntimeError.invalid("kernel_shape \(ks) does not match the weight's spatial shape \(k) (weight \(weight))")
        }
        guard k.allSatisfy({ $0 >= 1 }) else { throw RuntimeError.invalid("weight has an empty kernel: \(weight)") }
        let m: Int
        if transposed {
            guard weight[0] == c else {
                throw RuntimeError.invalid("ConvTranspose weight dimension 0 must equal input channels \(c), got weight \(weight)")
            }
            m = weight[1] * g
        } else {
            guard weight[1] * g == c else {
                throw RuntimeError.invalid("Conv weight dimension 1 (\(weight[1])) × group (\(g)) must equal input channels \(c); weight \(weight), input \(input)")
            }
            guard weight[0] % g == 0 else {
                throw RuntimeError.invalid("Conv output channels \(weight[0]) are not divisible by group \(g)")
            }
            m = weight[0]
        }
        let s = try spatialAttribute(node, "strides", rank: rank, default: 1, minimum: 1)
        let d = try spatialAttribute(node, "dilations", rank: rank, default: 1, minimum: 1)
        let outPad = transposed ? try spatialAttribute(node, "output_padding", rank: rank, default: 0, minimum: 0)
                                : [Int](repeating: 0, count: rank)
        let auto = try AutoPad(node)
        let inSp = Array(input[2...])
        var pb = [Int](repeating: 0, count: rank)
        var pe = [Int](repeating: 0, count: rank)
        var out = [Int](repeating: 0, count: rank)

        if transposed {
            var requested: [Int]? = nil
            if let os = node.ints("output_shape") {
                // Some exporters write the full [N, C, spatial…] shape; only the spatial part counts.
                guard os.count == rank || os.count == rank + 2 else {
                    throw RuntimeError.invalid("output_shape must have \(rank) values, got \(os)")
                }
                requested = Array(os.suffix(rank))
            } else if auto.isSame {
                requested = zip(inSp, s).map { $0 * $1 }
            }
            if let req = requested {
                for i in 0..<rank {
                    let full = s[i] * (inSp[i] - 1) + outPad[i] + (k[i] - 1) * d[i] + 1
                    // Like onnxruntime: a larger requested size pads nothing and extends the end.
                    (pb[i], pe[i]) = auto.split(total: max(0, full - req[i]))
                    out[i] = req[i]
                }
            } else {
                if auto == .notSet { (pb, pe) = try explicitPads(node, rank: rank) }
                for i in 0..<rank {
                    out[i] = s[i] * (inSp[i] - 1) + outPad[i] + (k[i] - 1) * d[i] + 1 - pb[i] - pe[i]
                }
            }
        } else {
            switch auto {
            case .notSet:
                (pb, pe) = try explicitPads(node, rank: rank)
                for i in 0..<rank {
                    out[i] = floorDiv(inSp[i] + pb[i] + pe[i] - ((k[i] - 1) * d[i] + 1), s[i]) + 1
                }
            case .valid:
                for i in 0..<rank { out[i] = floorDiv(inSp[i] - ((k[i] - 1) * d[i] + 1), s[i]) + 1 }
            case .sameUpper, .sameLower:
                for i in 0..<rank {
                    out[i] = ceilDiv(inSp[i], s[i])
                    let total = max(0, (out[i] - 1) * s[i] + (k[i] - 1) * d[i] + 1 - inSp[i])
                    (pb[i], pe[i]) = auto.split(total: total)
                }
            }
        }
        guard out.allSatisfy({ $0 >= 1 }) else {
            throw RuntimeError.invalid("\(what) output spatial shape \(out) is empty: input \(input), kernel \(k), strides \(s), dilations \(d), pads \(pb + pe)")
        }
        self.transposed = transposed
        batch = input[0]
        inChannels = c
        outChannels = m
        group = g
        inputSpatial = inSp
        outputSpatial = out
        kernel = k
        strides = s
        dilations = d
        padsBegin = pb
        padsEnd = pe
        outputPadding = outPad
    }
}

extension ConvGeometry {
    /// True when every kernel tap reads the output position itself: the columns are the image.
    public var isPointwise: Bool {
        kernel.allSatisfy { $0 == 1 } && strides.allSatisfy { $0 == 1 }
            && padsBegin.allSatisfy { $0 == 0 } && padsEnd.allSatisfy { $0 == 0 }
            && inputSpatial == outputSpatial
    }
}
