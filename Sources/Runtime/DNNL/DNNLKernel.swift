/// Base of the oneDNN kernels: the session's context and the reference kernel that runs the
/// inputs oneDNN does not handle (other element types, ranks, shape-dependent corner cases).
class DNNLKernel: Kernel {
    let context: DNNLContext
    let node: Node
    let opset: Int
    private var reference: Kernel?

    init(context: DNNLContext, node: Node, opset: Int) {
        self.context = context
        self.node = node
        self.opset = opset
    }

    var acceptsOpaqueInputs: Bool { true }

    /// Subclasses override; the default is the reference semantics.
    func run(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> [Tensor] {
        try runReference(inputs, ctx)
    }

    /// Runs the node's reference kernel on plain copies of `inputs`.
    func runReference(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> [Tensor] {
        context.noteReferenceFallback()
        let kernel: Kernel
        if let reference {
            kernel = reference
        } else {
            guard let def = OpRegistry.standard.definition(domain: node.domain, type: node.opType) else {
                throw RuntimeError.unsupported("no reference kernel for \(OpKey(node.domain, node.opType))")
            }
            kernel = try def.makeReference(node, opset)
            reference = kernel
        }
        return try kernel.run(inputs.map { $0?.plain() }, ctx)
    }
}

/// Per-signature state of a kernel (primitives, reordered weights), looked up by the memory
/// descriptors of its inputs plus any runtime scalars (e.g. Clip bounds). Graphs usually run
/// with one signature, so a short list searched linearly is enough.
struct DNNLPlanCache<Plan> {
    private var entries: [(descs: [DNNLMemoryDesc], scalars: [Float], plan: Plan)] = []
    private let limit = 8

    func find(_ descs: [DNNLMemoryDesc], _ scalars: [Float] = []) -> Plan? {
        for e in entries where e.scalars == scalars && e.descs.count == descs.count {
            if zip(e.descs, descs).allSatisfy({ $0 == $1 }) { return e.plan }
        }
        return nil
    }

    mutating func insert(_ plan: Plan, for descs: [DNNLMemoryDesc], _ scalars: [Float] = []) {
        if entries.count >= limit { entries.removeFirst() }
        entries.append((descs, scalars, plan))
    }
}
