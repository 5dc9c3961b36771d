import CDNNL

/// oneDNN-accelerated float32 kernels. Kernels hand tensors to each other in the layouts the
/// primitives prefer (`DNNLLayout`); every other consumer gets plain data from the executor.
/// Threads: oneDNN's OpenMP runtime sizes its pool from OMP_NUM_THREADS.
public final class DNNLBackend: Backend {
    /// nil when oneDNN could not create a CPU engine: every node falls back to the reference.
    let context: DNNLContext?

    public init() {
        context = try? DNNLContext()
    }

    public var name: String { "dnnl" }

    public func optimize(_ graph: Graph, opset: Int) -> Graph { graph }

    public func makeKernel(for node: Node, opset: Int, graph: Graph) throws -> Kernel? {
        guard let context, node.domain.isEmpty else { return nil }
        if DNNLEltwise.onnxOps.contains(node.opType) {
            return DNNLEltwiseKernel(context: context, node: node, opset: opset)
        }
        return nil
    }
}
