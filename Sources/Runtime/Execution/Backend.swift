/// A source of kernels faster than the reference ones for some ops, plus graph rewrites
/// (fusions) that only make sense with those kernels.
public protocol Backend: AnyObject {
    var name: String { get }
    /// Rewrites the graph before planning (e.g. fold BatchNormalization into Conv, fuse
    /// activations as post-ops). Must preserve semantics; the identity is always valid.
    func optimize(_ graph: Graph, opset: Int) -> Graph
    /// A kernel for `node`, or nil to fall back to the reference kernel.
    func makeKernel(for node: Node, opset: Int, graph: Graph) throws -> Kernel?
}

/// The plain reference backend: no kernels of its own, every op from `OpRegistry`.
public final class ReferenceBackend: Backend {
    public init() {}
    public var name: String { "reference" }
    public func optimize(_ graph: Graph, opset: Int) -> Graph { graph }
    public func makeKernel(for node: Node, opset: Int, graph: Graph) throws -> Kernel? { nil }
}

/// Backends by the names the command line and tests use.
public enum BackendKind: String, CaseIterable, Sendable {
    case reference
    case dnnl

    public func make() -> Backend {
        switch self {
        case .reference: return ReferenceBackend()
        case .dnnl: return DNNLBackend()
        }
    }
}
