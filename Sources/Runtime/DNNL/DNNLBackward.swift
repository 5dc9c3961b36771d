import CDNNL

/// oneDNN backward primitives behind the dnnl backend's reverse-mode rules (float32):
/// convolution and deconvolution backward data and weights, pooling, eltwise and batch
/// normalization backward. Primitives are cached per shape and attributes. Whatever oneDNN
/// does not take (other element types, configurations it rejects, gradients it has no
/// argument for) runs the reference rule, so the results never depend on the path taken.
final class DNNLBackward {
    unowned let context: DNNLContext
    /// Backward primitive executions and reference fallbacks so far (for tests).
    private(set) var executions = 0
    private(set) var fallbacks = 0

    var convolutionPlans = DNNLKeyedCache<ConvBackwardKey, DNNLConvBackwardPlan>()
    var poolingPlans = DNNLKeyedCache<PoolBackwardKey, DNNLPoolBackwardPlan>()
    var eltwisePlans = DNNLKeyedCache<EltwiseBackwardKey, DNNLEltwiseBackwardPlan>()
    var batchNormPlans = DNNLKeyedCache<BatchNormBackwardKey, DNNLBatchNormBackwardPlan>()

    init(context: DNNLContext) { self.context = context }

    func noteExecution() { executions += 1 }
    func noteFallback() { fallbacks += 1 }

    /// The rule for `node`: oneDNN where it applies, else `reference`. nil: no rule of its own.
    func rule(for node: Node, opset: Int, reference: VJPRule?) -> VJPRule? {
        if FusedConv.isFused(node) {
            return { c in
                try FusedConvVJP.vjp(c, activation: { p, g, v, fromOutput, k in
                    try self.activationGradient(p, g, v, fromOutput: fromOutput, pool: k.pool)
                        ?? PostOpDerivative.reference(p, g, v, fromOutput, k)
                }, convolution: {
                    // Fusion only happens with constant weights (see DNNLFusion).
                    try self.convolutionVJP($0, transposed: FusedConv.isTransposed(node), constantWeights: true)
                })
            }
        }
        guard node.domain.isEmpty else { return nil }
        switch node.opType {
        case "Conv", "ConvTranspose":
            return { c in try self.convolutionVJP(c, transposed: node.opType == "ConvTranspose") }
        case "MaxPool", "AveragePool", "GlobalMaxPool", "GlobalAveragePool":
            guard let reference else { return nil }
            return { c in try self.poolingVJP(c) ?? self.fallback(reference, c) }
        case "BatchNormalization":
            guard let reference else { return nil }
            return { c in try self.batchNormVJP(c) ?? self.fallback(reference, c) }
        case let op where DNNLBackward.standaloneActivations.contains(op):
            guard let reference else { return nil }
            return { c in try self.activationVJP(c) ?? self.fallback(reference, c) }
        default:
            return nil
        }
    }

    private func fallback(_ reference: VJPRule, _ c: VJPContext) throws -> [Tensor?] {
        fallbacks += 1
        return try reference(c)
    }

    // MARK: shared helpers

    /// An output buffer in `desc`: `plainResult` turns it into a plain tensor of `shape`.
    func outputBuffer(_ desc: DNNLMemoryDesc, pool: BufferPool?) -> TensorStorage {
        pool?.take(byteCount: desc.byteSize, zeroed: false) ?? TensorStorage(byteCount: desc.byteSize, zeroed: false)
    }

    /// `storage` (laid out as `desc`, from `outputBuffer`) as a plain tensor of `shape`.
    func plainResult(_ storage: TensorStorage, _ desc: DNNLMemoryDesc, _ shape: [Int], pool: BufferPool?) -> Tensor {
        guard let layout = context.layout(for: desc) else { return Tensor(shape: shape, dtype: .float32, storage: storage) }
        let plain = Tensor(shape: shape, dtype: .float32, storage: storage, layout: layout).plain()
        pool?.give(storage)
        return plain
    }

    /// A float32 tensor as plain data (nil for other element types).
    static func float32(_ t: Tensor?) -> Tensor? {
        guard let t, t.dtype == .float32 else { return nil }
        return t.plain()
    }
}

/// A short list of plans keyed by what determines them; nil plans record configurations
/// oneDNN rejected so they are not retried.
struct DNNLKeyedCache<Key: Equatable, Plan> {
    private var entries: [(key: Key, plan: Plan?)] = []
    private let limit = 32

    /// The cached plan for `key`, making (and caching) it with `make` on first use; a `make`
    /// that throws caches nil.
    mutating func plan(_ key: Key, _ make: () throws -> Plan) -> Plan? {
        if let e = entries.first(where: { $0.key == key }) { return e.plan }
        let p = try? make()
        if entries.count >= limit { entries.removeFirst() }
        entries.append((key, p))
        return p
    }
}

/// A primitive descriptor that only serves as the forward hint of a backward primitive.
final class DNNLHint {
    let pd: dnnl_primitive_desc_t

    init(opDesc: UnsafeRawPointer, engine: DNNLEngine, what: String) throws {
        var pd: dnnl_primitive_desc_t?
        try dnnlCheck(dnnl_primitive_desc_create(&pd, opDesc, nil, engine.handle, nil), "dnnl_primitive_desc_create(\(what) forward hint)")
        guard let pd else { throw RuntimeError(.backendFailure, "dnnl_primitive_desc_create(\(what)) returned nothing") }
        self.pd = pd
    }

    deinit { dnnl_primitive_desc_destroy(pd) }
}

extension DNNLPrimitive {
    /// A backward primitive: `opDesc` with the forward primitive descriptor `hint`.
    convenience init(opDesc: UnsafeRawPointer, hint: dnnl_primitive_desc_t, engine: DNNLEngine, what: String) throws {
        var pd: dnnl_primitive_desc_t?
        try dnnlCheck(dnnl_primitive_desc_create(&pd, opDesc, nil, engine.handle, hint), "dnnl_primitive_desc_create(\(what))")
        guard let pd else { throw RuntimeError(.backendFailure, "dnnl_primitive_desc_create(\(what)) returned nothing") }
        try self.init(pd: pd, what: what)
    }
}
