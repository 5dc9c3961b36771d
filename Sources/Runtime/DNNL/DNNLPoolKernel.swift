import CDNNL

/// MaxPool (without the Indices output), AveragePool, GlobalAveragePool and GlobalMaxPool
/// over 1-3 spatial dims, in the input's layout.
final class DNNLPoolKernel: DNNLKernel {
    private struct Plan {
        let primitive: DNNLPrimitive
        let src, dst: DNNLMemory
        let dstDesc: DNNLMemoryDesc
        let outputShape: [Int]
        let outputLayout: DNNLLayout?
    }
    private var plans = DNNLPlanCache<Plan?>()

    static let ops: Set<String> = ["MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"]

    /// MaxPool's Indices output and an unknown auto_pad are left to the reference kernel.
    static func supports(_ node: Node) -> Bool {
        if node.outputs.dropFirst().contains(where: { !$0.isEmpty }) { return false }
        return (try? AutoPad(node)) != nil
    }

    override func run(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> [Tensor] {
        let x = context.native(try inputs.required(0))
        guard x.dtype == .float32, (3...5).contains(x.rank), x.count > 0 else { return try runReference(inputs, ctx) }
        let xDesc = try context.desc(of: x)
        let cached = plans.find([xDesc])
        let plan: Plan?
        if let cached { plan = cached } else {
            plan = try? makePlan(x.shape, xDesc)
            plans.insert(plan, for: [xDesc])
        }
        guard let plan else { return try runReference(inputs, ctx) }
        let y = context.allocate(plan.outputShape, plan.dstDesc, layout: plan.outputLayout, pool: ctx.pool)
        try plan.primitive.execute(context.stream, [
            plan.src.arg(DNNL_ARG_SRC, x.storage.data),
            plan.dst.arg(DNNL_ARG_DST, y.storage.data),
        ])
        return [y]
    }

    /// Throws for shapes oneDNN does not cover; the caller then runs the reference kernel.
    private func makePlan(_ shape: [Int], _ xDesc: DNNLMemoryDesc) throws -> Plan {
        let rank = shape.count - 2
        let spatial = Array(shape[2...])
        var kernel = spatial, strides = [Int](repeating: 1, count: rank), dilations = strides
        var padL = [Int](repeating: 0, count: rank), padR = padL
        var out = [Int](repeating: 1, count: rank)
        let algorithm: dnnl_alg_kind_t
        switch node.opType {
        case "GlobalAveragePool": algorithm = dnnl_pooling_avg_exclude_padding
        case "GlobalMaxPool": algorithm = dnnl_pooling_max
        default:
            let g = try PoolGeometry(node: node, input: shape)
            (kernel, strides, dilations, padL, out) = (g.kernel, g.strides, g.dilations, g.padsBegin, g.outputSpatial)
            let includePad = node.opType == "AveragePool" && node.int("count_include_pad", default: 0) != 0
            for i in 0..<rank {
                // oneDNN wants (in + padL + padR - dilatedKernel) / stride + 1 == out; ceil_mode
                // windows that run past the end padding extend padR.
                padR[i] = max(g.padsEnd[i], (out[i] - 1) * strides[i] + g.dilatedKernel(i) - spatial[i] - padL[i])
                // Those extra positions are never counted by ONNX, but would be by oneDNN.
                if includePad && padR[i] != g.padsEnd[i] {
                    throw RuntimeError.unsupported("count_include_pad with a ceil_mode overhang")
                }
            }
            algorithm = node.opType == "MaxPool" ? dnnl_pooling_max
                : includePad ? dnnl_pooling_avg_include_padding : dnnl_pooling_avg_exclude_padding
        }
        let outShape = Array(shape[0..<2]) + out
        var od = dnnl_pooling_v2_desc_t()
        var src = xDesc.raw
        var dst = try DNNLMemoryDesc.any(outShape).raw
        try dnnlCheck(dnnl_pooling_v2_forward_desc_init(
            &od, dnnl_forward_inference, algorithm, &src, &dst, strides.map(Int64.init), kernel.map(Int64.init),
            dilations.map { Int64($0 - 1) }, padL.map(Int64.init), padR.map(Int64.init)),
            "dnnl_pooling_v2_forward_desc_init(\(node.opType) \(shape) → \(outShape))")
        let p = try DNNLPrimitive(opDesc: &od, engine: context.engine, what: "pooling \(node.opType)")
        let dstDesc = try p.md(dnnl_query_dst_md)
        return Plan(primitive: p, src: try DNNLMemory(xDesc, engine: context.engine),
                    dst: try DNNLMemory(dstDesc, engine: context.engine), dstDesc: dstDesc, outputShape: outShape,
                    outputLayout: context.layout(for: dstDesc))
    }
}
