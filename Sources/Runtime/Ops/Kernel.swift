/// What a kernel sees besides its inputs: the node (attributes), the opset in force, and the
/// session's allocator.
public struct KernelContext {
    public let node: Node
    public let opset: Int
    let pool: BufferPool?

    public init(node: Node, opset: Int, pool: BufferPool? = nil) {
        self.node = node
        self.opset = opset
        self.pool = pool
    }

    /// A new plain tensor, from the session's pool when there is one. Pass `zeroed: false`
    /// when the kernel overwrites every element.
    public func allocate(_ shape: [Int], _ dtype: DType = .float32, zeroed: Bool = true) -> Tensor {
        let bytes = shape.reduce(1, *) * dtype.byteSize
        guard let pool else { return Tensor(zeros: shape, dtype: dtype) }
        return Tensor(shape: shape, dtype: dtype, storage: pool.take(byteCount: bytes, zeroed: zeroed))
    }
}

/// An executable op instance. Instances may cache per-shape state (e.g. oneDNN primitives),
/// so the executor creates one per node and keeps it across runs.
public protocol Kernel: AnyObject {
    /// When false the executor converts opaque-layout inputs to plain row-major first.
    var acceptsOpaqueInputs: Bool { get }
    /// `inputs[i]` is nil for an omitted optional input. Returns one tensor per node output
    /// (trailing optional outputs may be omitted).
    func run(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> [Tensor]
}

extension Kernel {
    public var acceptsOpaqueInputs: Bool { false }
}

/// A stateless kernel written as a closure: what every reference op is.
public final class ClosureKernel: Kernel {
    public typealias Body = ([Tensor?], KernelContext) throws -> [Tensor]
    let body: Body
    public init(_ body: @escaping Body) { self.body = body }
    public func run(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> [Tensor] { try body(inputs, ctx) }
}

extension Array where Element == Tensor? {
    /// Required input `i`, with a clear error when it is missing.
    public func required(_ i: Int, _ what: String = "input") throws -> Tensor {
        guard i < count, let t = self[i] else {
            throw RuntimeError.invalid("missing required \(what) #\(i)")
        }
        return t
    }

    /// Optional input `i` (nil when absent or omitted).
    public func optional(_ i: Int) -> Tensor? { i < count ? self[i] : nil }
}
