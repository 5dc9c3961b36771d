import CDNNL

/// oneDNN-accelerated kernels (placeholder until the backend lands).
public final class DNNLBackend: Backend {
    public init() {}
    public var name: String { "dnnl" }
    public func optimize(_ graph: Graph, opset: Int) -> Graph { graph }
    public func makeKernel(for node: Node, opset: Int, graph: Graph) throws -> Kernel? { nil }
}
