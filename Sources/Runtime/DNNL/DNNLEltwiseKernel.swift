import CDNNL

/// Relu, LeakyRelu, Tanh, Sigmoid, Elu, Clip, HardSwish, HardSigmoid, Exp, Sqrt, Abs on
/// float32 tensors. Keeps a dnnl layout: the output has the input's layout.
final class DNNLEltwiseKernel: DNNLKernel {
    private struct Plan {
        let primitives: [DNNLPrimitive]
        let src: DNNLMemory
        let dst: DNNLMemory
    }
    private var plans = DNNLPlanCache<Plan>()
    private let attributeParameters: (Float, Float)

    override init(context: DNNLContext, node: Node, opset: Int) {
        attributeParameters = DNNLEltwise.attributeParameters(node, opset: opset)
        super.init(context: context, node: node, opset: opset)
    }

    override func run(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> [Tensor] {
        let x = context.native(try inputs.required(0))
        var p = attributeParameters
        if node.opType == "Clip" && opset >= 11 {
            guard let b = DNNLEltwise.clipBounds(min: inputs.optional(1), max: inputs.optional(2)) else {
                return try runReference(inputs, ctx)
            }
            p = b
        }
        // NaN or crossed bounds: ONNX (numpy) and oneDNN disagree there.
        if node.opType == "Clip" && !(p.0 <= p.1) { return try runReference(inputs, ctx) }
        guard x.dtype == .float32, x.count > 0, let chain = DNNLEltwise.chain(op: node.opType, p) else {
            return try runReference(inputs, ctx)
        }
        // Plain data is elementwise-equivalent to a flat vector: one descriptor for all ranks.
        let desc = x.layout == nil ? try DNNLMemoryDesc.plain([x.count]) : try context.desc(of: x)
        let plan = try plans.find([desc], [p.0, p.1]) ?? makePlan(desc, chain, [p.0, p.1])
        let y = context.allocate(x.shape, desc, layout: x.layout as? DNNLLayout, pool: ctx.pool)
        for (i, prim) in plan.primitives.enumerated() {
            // Later functions of the chain run in place on the output.
            try prim.execute(context.stream, [
                plan.src.arg(DNNL_ARG_SRC, i == 0 ? x.storage.data : y.storage.data),
                plan.dst.arg(DNNL_ARG_DST, y.storage.data),
            ])
        }
        return [y]
    }

    private func makePlan(_ desc: DNNLMemoryDesc, _ chain: [DNNLEltwise], _ scalars: [Float]) throws -> Plan {
        let prims = try chain.map { e -> DNNLPrimitive in
            var od = dnnl_eltwise_desc_t()
            var md = desc.raw
            try dnnlCheck(dnnl_eltwise_forward_desc_init(&od, dnnl_forward_inference, e.algorithm, &md, e.alpha, e.beta),
                          "dnnl_eltwise_forward_desc_init(\(node.opType), \(e))")
            return try DNNLPrimitive(opDesc: &od, engine: context.engine, what: "eltwise \(node.opType)")
        }
        let plan = Plan(primitives: prims, src: try DNNLMemory(desc, engine: context.engine),
                        dst: try DNNLMemory(desc, engine: context.engine))
        plans.insert(plan, for: [desc], scalars)
        return plan
    }
}
