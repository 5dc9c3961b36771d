/// ONNX `auto_pad` for Conv, ConvTranspose and the pooling ops.
public enum AutoPad: String, Sendable {
    case notSet = "NOTSET"
    case sameUpper = "SAME_UPPER"
    case sameLower = "SAME_LOWER"
    case valid = "VALID"

    /// The node's `auto_pad` attribute (NOTSET when absent).
    public init(_ node: Node) throws {
        let s = node.string("auto_pad", default: "NOTSET")
        guard let v = AutoPad(rawValue: s) else {
            throw RuntimeError.invalid("auto_pad must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got '\(s)'")
        }
        self = v
    }

    public var isSame: Bool { self == .sameUpper || self == .sameLower }

    /// Splits a non-negative total padding between begin and end: SAME_UPPER puts the odd
    /// element at the end, everything else (also ConvTranspose's NOTSET with `output_shape`)
    /// at the beginning.
    public func split(total: Int) -> (begin: Int, end: Int) {
        let half = total / 2
        return self == .sameUpper ? (half, total - half) : (total - half, half)
    }
}

@inline(__always) func floorDiv(_ a: Int, _ b: Int) -> Int {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

@inline(__always) func ceilDiv(_ a: Int, _ b: Int) -> Int { -floorDiv(-a, b) }

/// Reads a per-spatial-axis attribute (strides, dilations, output_padding) with a default and
/// checks its length and lower bound.
func spatialAttribute(_ node: Node, _ name: String, rank: Int, default d: Int, minimum: Int) throws -> [Int] {
    guard let v = node.ints(name) else { return [Int](repeating: d, count: rank) }
    guard v.count == rank else {
        throw RuntimeError.invalid("\(name) must have \(rank) values (one per spatial axis), got \(v)")
    }
    guard v.allSatisfy({ $0 >= minimum }) else {
        throw RuntimeError.invalid("\(name) values must be >= \(minimum), got \(v)")
    }
    return v
}

/// The explicit `pads` attribute as (begin, end) arrays; zeros when absent.
func explicitPads(_ node: Node, rank: Int) throws -> (begin: [Int], end: [Int]) {
    guard let p = node.ints("pads") else {
        return ([Int](repeating: 0, count: rank), [Int](repeating: 0, count: rank))
    }
    guard p.count == 2 * rank else {
        throw RuntimeError.invalid("pads must have \(2 * rank) values (begin and end per spatial axis), got \(p)")
    }
    guard p.allSatisfy({ $0 >= 0 }) else { throw RuntimeError.invalid("pads must be non-negative, got \(p)") }
    return (Array(p[0..<rank]), Array(p[rank...]))
}
