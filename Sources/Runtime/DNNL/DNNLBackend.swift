/// oneDNN-accelerated float32 kernels. Kernels hand tensors to each other in the layouts the
/// primitives prefer (`DNNLLayout`); every other consumer gets plain data from the executor.
/// `optimize` folds BatchNormalization into convolutions and fuses activations and residual
/// adds as post-ops (`DNNLFusion`, `FusedConv`). Kernels fall back to the reference ones for
/// element types, ranks and attribute combinations oneDNN does not cover.
/// Threads: oneDNN's OpenMP runtime sizes its pool from OMP_NUM_THREADS.
public final class DNNLBackend: Backend {
    /// nil when oneDNN could not create a CPU engine: then nothing is rewritten and every node
    /// runs its reference kernel.
    let context: DNNLContext?

    public init() {
        context = try? DNNLContext()
    }

    public var name: String { "dnnl" }

    public func optimize(_ graph: Graph, opset: Int) -> Graph {
        context == nil ? graph : DNNLFusion.optimize(graph, opset: opset)
    }

    public func makeKernel(for node: Node, opset: Int, graph: Graph) throws -> Kernel? {
        guard let context else { return nil }
        if FusedConv.isFused(node) {
            return DNNLConvKernel(context: context, node: node, opset: opset,
                                  constantWeights: DNNLBackend.isConstant(node.inputs[1], in: graph))
        }
        guard node.domain.isEmpty else { return nil }
        switch node.opType {
        case let op where DNNLEltwise.onnxOps.contains(op):
            return DNNLEltwiseKernel(context: context, node: node, opset: opset)
        case "Conv", "ConvTranspose":
            guard node.inputs.count >= 2, (try? AutoPad(node)) != nil else { return nil }
            return DNNLConvKernel(context: context, node: node, opset: opset,
                                  constantWeights: DNNLBackend.isConstant(node.inputs[1], in: graph))
        case "BatchNormalization":
            return DNNLBatchNormKernel.supports(node, opset: opset) ? DNNLBatchNormKernel(context: context, node: node, opset: opset) : nil
        case "InstanceNormalization":
            return DNNLInstanceNormKernel(context: context, node: node, opset: opset)
        case let op where DNNLPoolKernel.ops.contains(op):
            return DNNLPoolKernel.supports(node) ? DNNLPoolKernel(context: context, node: node, opset: opset) : nil
        case "MatMul", "Gemm":
            return DNNLMatMulKernel(context: context, node: node, opset: opset)
        default:
            return nil
        }
    }

    /// Whether `name` has the same value in every run: an initializer no feed can override,
    /// or a Constant node's output.
    static func isConstant(_ name: String, in graph: Graph) -> Bool {
        if graph.initializers[name] != nil { return !graph.inputs.contains { $0.name == name } }
        return graph.nodes.contains { $0.domain.isEmpty && $0.opType == "Constant" && $0.outputs.contains(name) }
    }
}
