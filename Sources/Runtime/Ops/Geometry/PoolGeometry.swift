/// Window geometry of MaxPool, AveragePool and LpPool: kernel, strides, dilations, resolved
/// pads (auto_pad) and the output shape (ceil_mode). Shared by the reference and oneDNN kernels.
public struct PoolGeometry: Equatable, Sendable {
    public let batch: Int
    public let channels: Int
    public let inputSpatial: [Int]
    public let outputSpatial: [Int]
    public let kernel: [Int]
    public let strides: [Int]
    public let dilations: [Int]
    /// Resolved (non-negative) padding. With ceil_mode the last window may also reach past
    /// `padsEnd`; those positions are neither read nor counted.
    public let padsBegin: [Int]
    public let padsEnd: [Int]
    public let ceilMode: Bool

    public var spatialRank: Int { inputSpatial.count }
    public var inputShape: [Int] { [batch, channels] + inputSpatial }
    public var outputShape: [Int] { [batch, channels] + outputSpatial }
    public var inputSpatialSize: Int { inputSpatial.reduce(1, *) }
    public var outputSpatialSize: Int { outputSpatial.reduce(1, *) }
    public func dilatedKernel(_ i: Int) -> Int { (kernel[i] - 1) * dilations[i] + 1 }

    /// `input` is [N, C, D1…]; `kernel_shape` is required.
    public init(node: Node, input: [Int]) throws {
        guard input.count >= 3 else {
            throw RuntimeError.invalid("pooling input must have rank >= 3 ([N, C, spatial…]), got shape \(input)")
        }
        let rank = input.count - 2
        guard let k = node.ints("kernel_shape") else { throw RuntimeError.invalid("kernel_shape attribute is required") }
        guard k.count == rank else {
            throw RuntimeError.invalid("kernel_shape must have \(rank) values for input \(input), got \(k)")
        }
        guard k.allSatisfy({ $0 >= 1 }) else { throw RuntimeError.invalid("kernel_shape values must be >= 1, got \(k)") }
        let s = try spatialAttribute(node, "strides", rank: rank, default: 1, minimum: 1)
        let d = try spatialAttribute(node, "dilations", rank: rank, default: 1, minimum: 1)
        let ceil = node.int("ceil_mode", default: 0) != 0
        let auto = try AutoPad(node)
        let inSp = Array(input[2...])
        var (pb, pe) = auto == .notSet ? try explicitPads(node, rank: rank)
                                       : ([Int](repeating: 0, count: rank), [Int](repeating: 0, count: rank))
        var out = [Int](repeating: 0, count: rank)
        for i in 0..<rank {
            let dk = (k[i] - 1) * d[i] + 1
            switch auto {
            case .notSet:
                let span = inSp[i] + pb[i] + pe[i] - dk
                if ceil {
                    out[i] = ceilDiv(span, s[i]) + 1
                    // The last window must start inside the input or the begin padding.
                    if out[i] > 1 && (out[i] - 1) * s[i] >= inSp[i] + pb[i] { out[i] -= 1 }
                } else {
                    out[i] = floorDiv(span, s[i]) + 1
                }
            case .valid:
                out[i] = floorDiv(inSp[i] - dk, s[i]) + 1
            case .sameUpper, .sameLower:
                out[i] = ceilDiv(inSp[i], s[i])
                (pb[i], pe[i]) = auto.split(total: max(0, (out[i] - 1) * s[i] + dk - inSp[i]))
            }
        }
        guard out.allSatisfy({ $0 >= 1 }) else {
            throw RuntimeError.invalid("pooling output spatial shape \(out) is empty: input \(input), kernel \(k), strides \(s), dilations \(d), pads \(pb + pe)")
        }
        batch = input[0]
        channels = input[1]
        inputSpatial = inSp
        outputSpatial = out
        kernel = k
        strides = s
        dilations = d
        padsBegin = pb
        padsEnd = pe
        ceilMode = ceil
    }
}
