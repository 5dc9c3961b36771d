import Foundation

/// Runs a model. Construction validates the graph (order, dangling inputs, unsupported ops),
/// lets the backend rewrite it, picks one kernel per node and folds input-independent
/// constants. Each distinct input signature (names, dtypes, shapes) gets a `Plan` on first
/// use: shape-dependent values (Shape → Gather → … → Reshape chains) are folded into it, and
/// later runs with that signature replay only the remaining nodes.
public final class Session {
    public let model: Model
    /// The graph as executed (after the backend's rewrites).
    public let graph: Graph
    public let backend: Backend
    /// Node indices of `graph.nodes` in execution order.
    public let order: [Int]

    let kernels: [Kernel]
    let opsets: [Int]
    let deterministic: [Bool]
    /// step → names whose last consumer is that step.
    let releaseAfter: [[String]]
    /// Values that never depend on inputs (initializers, Constant nodes, their functions).
    private(set) var constants: [String: Tensor]
    private var plans: [String: Plan] = [:]
    /// Every value name the graph defines (inputs, initializers, node outputs): what `run` may return.
    private let knownValues: Set<String>
    /// Steps evaluated once at construction (their outputs are in `constants`).
    private var foldedAtInit: [Bool]
    let pool = BufferPool()
    let sourceName: String

    /// What the last `run` did: how many nodes it executed, and the planning state.
    public struct Stats: Equatable {
        /// Nodes whose kernels ran in the last call.
        public var executedNodes = 0
        /// Nodes folded at construction (independent of inputs).
        public var foldedAtConstruction = 0
        /// Nodes folded into the last call's plan (fixed by its input signature).
        public var foldedInPlan = 0
        /// Distinct input signatures planned so far.
        public var plans = 0
        /// Buffers allocated / recycled by the session's pool since it was created.
        public var bufferAllocations = 0
        public var bufferReuses = 0
    }
    public private(set) var stats = Stats()

    /// Per-op-type accumulated seconds when `profiling` is on.
    public var profiling = false
    /// Backward rules are counted under "backward <op type>" (see `gradients`).
    public internal(set) var profile: [String: Double] = [:]

    final class Plan {
        var folded: [String: Tensor] = [:]
        var skip: [Bool]
        /// Element type and shape of every value, recorded while planning.
        var types: [String: ValueType] = [:]
        init(steps: Int) { skip = [Bool](repeating: false, count: steps) }
    }

    /// A value's concrete element type and shape under one input signature.
    public struct ValueType: Equatable, CustomStringConvertible {
        public var dtype: DType
        public var shape: [Int]
        public var description: String { "\(dtype)\(shape)" }
    }

    /// Current values of the trainable initializers (see `init(model:backend:parameters:)`).
    public private(set) var parameters: [String: Tensor] = [:]
    let registry: OpRegistry

    public convenience init(model: Model, backend kind: BackendKind = .dnnl, parameters: Set<String> = []) throws {
        try self.init(model: model, backend: kind.make(), parameters: parameters)
    }

    /// `parameters` names initializers that will change (trained, perturbed): they are fed like
    /// inputs, so no constant folding, fusion or weight caching assumes their values.
    public init(model: Model, backend: Backend, registry: OpRegistry = .standard, parameters trainable: Set<String> = []) throws {
        self.model = model
        self.backend = backend
        self.registry = registry
        sourceName = model.sourcePath ?? model.graph.name
        // Order first on the original graph so that structural errors name the user's nodes.
        _ = try TopologicalOrder.compute(model.graph, context: sourceName)
        try Session.checkSupported(model, registry: registry, context: sourceName)
        var source = model.graph
        for name in trainable.sorted() {
            guard let t = source.initializers.removeValue(forKey: name) else {
                throw RuntimeError(.badInput, "\(sourceName): '\(name)' is not an initializer, so it cannot be a parameter")
            }
            source.initializerOrder.removeAll { $0 == name }
            if !source.inputs.contains(where: { $0.name == name }) {
                source.inputs.append(ValueInfo(name: name, dtype: t.dtype, shape: t.shape.map { .fixed($0) }))
            }
            parameters[name] = t
        }
        let g = backend.optimize(source, opset: model.opset)
        graph = g
        order = try TopologicalOrder.compute(g, context: sourceName)

        var ks: [Kernel] = []
        var ops: [Int] = []
        var det: [Bool] = []
        for i in order {
            let n = g.nodes[i]
            let opset = model.opset(forDomain: n.domain)
            ops.append(opset)
            let def = registry.definition(domain: n.domain, type: n.opType)
            det.append(def?.deterministic ?? true)
            do {
                if let k = try backend.makeKernel(for: n, opset: opset, graph: g) {
                    ks.append(k)
                } else if let def {
                    ks.append(try def.makeReference(n, opset))
                } else {
                    throw RuntimeError.unsupported("no kernel for op \(OpKey(n.domain, n.opType))")
                }
            } catch let e as RuntimeError {
                throw RuntimeError(e.kind, "\(sourceName): node \(n.label): \(e.message)")
            }
        }
        kernels = ks
        opsets = ops
        deterministic = det

        var last: [String: Int] = [:]
        for (step, i) in order.enumerated() {
            for inp in g.nodes[i].inputs where !inp.isEmpty { last[inp] = step }
        }
        var rel = [[String]](repeating: [], count: order.count)
        for (name, step) in last { rel[step].append(name) }
        releaseAfter = rel
        knownValues = Set(g.inputs.map(\.name)).union(g.initializers.keys).union(g.nodes.flatMap(\.outputs))
        constants = g.initializers
        foldedAtInit = [Bool](repeating: false, count: order.count)
        try foldConstants()
    }

    /// Replaces a parameter's value (same dtype and shape).
    public func setParameter(_ name: String, _ value: Tensor) throws {
        guard let old = parameters[name] else {
            throw RuntimeError(.badInput, "\(sourceName): '\(name)' is not a parameter of this session")
        }
        guard old.dtype == value.dtype, old.shape == value.shape else {
            throw RuntimeError(.badInput, "\(sourceName): parameter '\(name)' is \(old.dtype)\(old.shape), got \(value.dtype)\(value.shape)")
        }
        parameters[name] = value.plain()
    }

    /// Every op the model uses that the registry lacks, reported at once.
    static func checkSupported(_ model: Model, registry: OpRegistry, context: String) throws {
        var missing: [OpKey: [String]] = [:]
        for n in model.graph.nodes where registry.definition(domain: n.domain, type: n.opType) == nil {
            missing[OpKey(n.domain, n.opType), default: []].append(n.name.isEmpty ? "(unnamed)" : n.name)
        }
        guard !missing.isEmpty else { return }
        let parts = missing.keys.sorted { $0.description < $1.description }.map { k -> String in
            let names = missing[k]!
            let shown = names.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
            return "\(k) (\(names.count) node\(names.count == 1 ? "" : "s"): \(shown)\(names.count > 3 ? ", …" : ""))"
        }
        throw RuntimeError(.unsupportedOp,
            "\(context): \(missing.count) unsupported op type\(missing.count == 1 ? "" : "s"): \(parts.joined(separator: "; "))")
    }

    /// Evaluates, once, every deterministic node whose inputs are all constants.
    private func foldConstants() throws {
        for (step, i) in order.enumerated() where deterministic[step] {
            let n = graph.nodes[i]
            guard n.inputs.allSatisfy({ $0.isEmpty || constants[$0] != nil }) else { continue }
            let outs = try execute(step: step, values: constants)
            for (name, t) in zip(n.outputs, outs) where !name.isEmpty { constants[name] = t.plain() }
            foldedAtInit[step] = true
        }
    }

    // MARK: running

    /// Runs the graph. `outputs` defaults to the graph's declared outputs; any value name
    /// (including intermediates) may be requested.
    public func run(_ feeds: [String: Tensor], outputs requested: [String]? = nil) throws -> [String: Tensor] {
        try forward(feeds, outputs: requested ?? graph.outputs.map(\.name), retaining: [])
    }

    /// Runs the graph, returning `outputs` and also every value in `retain` that was computed
    /// (the autodiff engine keeps what backward rules read). Parameters are fed from
    /// `parameters` unless `feeds` override them.
    func forward(_ given: [String: Tensor], outputs outNames: [String], retaining retain: Set<String>) throws -> [String: Tensor] {
        var feeds = parameters
        for (k, v) in given { feeds[k] = v }
        try validateFeeds(feeds)
        let signature = Session.signature(of: feeds)
        let keep = Set(outNames).union(retain)
        for name in outNames where !isKnownValue(name) {
            throw RuntimeError(.badInput, "\(sourceName): no value named '\(name)' in the graph")
        }

        var values = constants
        for (k, v) in feeds { values[k] = v }
        let plan: Plan
        let planning: Bool
        if let p = plans[signature] {
            plan = p
            planning = false
            for (k, v) in p.folded { values[k] = v }
        } else {
            plan = Plan(steps: order.count)
            planning = true
        }
        // During planning: which values are fixed by the signature alone.
        var fixedValue = Set(constants.keys)
        var fixedShape = Set(constants.keys).union(feeds.keys)
        var executed = 0

        for step in 0..<order.count where !plan.skip[step] {
            let n = graph.nodes[order[step]]
            if foldedAtInit[step] { continue }
            let t0 = profiling ? DispatchTime.now().uptimeNanoseconds : 0
            let outs = try execute(step: step, values: values)
            executed += 1
            if profiling {
                profile[n.opType, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            }
            for (name, t) in zip(n.outputs, outs) where !name.isEmpty {
                values[name] = t
                if planning { plan.types[name] = ValueType(dtype: t.dtype, shape: t.shape) }
            }

            if planning {
                let (valueFixed, shapeFixed) = Session.foldability(n, fixedValue: fixedValue, fixedShape: fixedShape,
                                                                  deterministic: deterministic[step])
                if valueFixed {
                    plan.skip[step] = true
                    for (name, t) in zip(n.outputs, outs) where !name.isEmpty {
                        plan.folded[name] = t
                        fixedValue.insert(name)
                    }
                }
                if shapeFixed { for o in n.outputs { fixedShape.insert(o) } }
            }
            // Free what no later node reads; recycle buffers nobody else holds.
            for name in releaseAfter[step] where !keep.contains(name) && constants[name] == nil
                && plan.folded[name] == nil && feeds[name] == nil {
                if var t = values.removeValue(forKey: name), isKnownUniquelyReferenced(&t.storage) {
                    pool.give(t.storage)
                }
            }
        }
        if planning {
            for (name, t) in values where plan.types[name] == nil { plan.types[name] = ValueType(dtype: t.dtype, shape: t.shape) }
            plans[signature] = plan
        }
        stats = Stats(executedNodes: executed, foldedAtConstruction: foldedAtInit.filter { $0 }.count,
                      foldedInPlan: plan.skip.filter { $0 }.count, plans: plans.count,
                      bufferAllocations: pool.allocations, bufferReuses: pool.reuses)

        var result: [String: Tensor] = [:]
        for name in outNames {
            guard let t = values[name] else {
                throw RuntimeError(.invalidGraph, "\(sourceName): output '\(name)' was not produced")
            }
            result[name] = t.plain()
        }
        for name in retain where result[name] == nil {
            if let t = values[name] { result[name] = t.plain() }
        }
        return result
    }

    /// The key of a plan: input names, dtypes and shapes.
    static func signature(of feeds: [String: Tensor]) -> String {
        feeds.keys.sorted().map { "\($0):\(feeds[$0]!.dtype)\(feeds[$0]!.shape)" }.joined(separator: ";")
    }

    /// Shape inference for concrete inputs: the element type and shape of every value in the
    /// graph (as executed, i.e. after the backend's rewrites), from the plan for `feeds`'
    /// signature — planning it (one run) if needed.
    public func valueTypes(for feeds: [String: Tensor]) throws -> [String: ValueType] {
        let signature = Session.signature(of: feeds)
        if plans[signature] == nil { _ = try run(feeds) }
        return plans[signature]!.types
    }

    /// Whether a node's outputs are fixed by the input signature alone (value) or at least
    /// their shapes are (shape), given which inputs are.
    static func foldability(_ n: Node, fixedValue: Set<String>, fixedShape: Set<String>, deterministic: Bool) -> (Bool, Bool) {
        let ins = n.inputs.filter { !$0.isEmpty }
        if n.domain.isEmpty, n.opType == "Shape" || n.opType == "Size" {
            let fixed = ins.first.map { fixedShape.contains($0) } ?? false
            return (fixed, true)
        }
        let valueFixed = deterministic && !ins.isEmpty && ins.allSatisfy { fixedValue.contains($0) }
        let shapeFixed: Bool
        if dataDependentShapeOps.contains(n.opType) {
            shapeFixed = valueFixed
        } else if valueDependentShapeOps.contains(n.opType) {
            shapeFixed = (ins.first.map { fixedShape.contains($0) } ?? true) && ins.dropFirst().allSatisfy { fixedValue.contains($0) }
        } else {
            shapeFixed = ins.allSatisfy { fixedShape.contains($0) }
        }
        return (valueFixed, shapeFixed || valueFixed)
    }

    /// Ops whose output shape depends on input values beyond the first input's shape.
    static let valueDependentShapeOps: Set<String> = [
        "Reshape", "Expand", "Tile", "Slice", "Pad", "Resize", "Upsample", "Split", "Squeeze", "Unsqueeze",
        "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
        "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp", "TopK", "OneHot", "ConstantOfShape",
        "CenterCropPad", "ConvTranspose",
    ]
    /// Ops whose output shape depends on the data itself.
    static let dataDependentShapeOps: Set<String> = ["NonZero", "Unique", "Compress", "NonMaxSuppression", "Range"]

    private func isKnownValue(_ name: String) -> Bool { knownValues.contains(name) }

    /// Runs one step's kernel, wrapping errors with the node and its input types.
    private func execute(step: Int, values: [String: Tensor]) throws -> [Tensor] {
        let n = graph.nodes[order[step]]
        let k = kernels[step]
        var ins: [Tensor?] = []
        ins.reserveCapacity(n.inputs.count)
        for name in n.inputs {
            if name.isEmpty { ins.append(nil); continue }
            guard let t = values[name] else {
                throw RuntimeError(.invalidGraph, "\(sourceName): node \(n.label): input '\(name)' has no value")
            }
            ins.append(k.acceptsOpaqueInputs ? t : t.plain())
        }
        let ctx = KernelContext(node: n, opset: opsets[step], pool: pool)
        do {
            let outs = try k.run(ins, ctx)
            let expected = n.outputs.filter { !$0.isEmpty }.count
            if outs.count < expected && outs.count < n.outputs.count {
                // Trailing optional outputs may be omitted only when unnamed.
                for (i, o) in n.outputs.enumerated() where i >= outs.count && !o.isEmpty {
                    throw RuntimeError(.unsupportedOp, "output #\(i) ('\(o)') is not produced by this implementation")
                }
            }
            return outs
        } catch let e as RuntimeError {
            let sig = zip(n.inputs, ins).map { name, t in t.map { "\(name.isEmpty ? "_" : name): \($0.dtype)\($0.shape)" } ?? "_" }
            throw RuntimeError(e.kind, "\(sourceName): node \(n.label) (inputs \(sig.joined(separator: ", "))): \(e.message)")
        }
    }

    /// Checks names, dtypes and shapes of fed inputs against the declarations; symbolic
    /// dimensions must bind consistently across inputs.
    func validateFeeds(_ feeds: [String: Tensor]) throws {
        let declared = graph.runtimeInputs
        var bindings: [String: Int] = [:]
        for d in declared {
            guard let t = feeds[d.name] else {
                throw RuntimeError(.badInput, "\(sourceName): input '\(d.name)' (\(d.dtype.map(\.description) ?? "?")\(d.shapeDescription)) was not given")
            }
            if let dt = d.dtype, dt != t.dtype {
                throw RuntimeError(.badInput, "\(sourceName): input '\(d.name)' must be \(dt)\(d.shapeDescription), got \(t.dtype)\(t.shape)")
            }
            if let s = d.shape {
                guard s.count == t.rank else {
                    throw RuntimeError(.badInput, "\(sourceName): input '\(d.name)' must have rank \(s.count) \(d.shapeDescription), got shape \(t.shape)")
                }
                for (i, (dim, v)) in zip(s, t.shape).enumerated() {
                    switch dim {
                    case .fixed(let f) where f != v:
                        throw RuntimeError(.badInput, "\(sourceName): input '\(d.name)' must have shape \(d.shapeDescription), got \(t.shape) (dimension \(i) is \(v), expected \(f))")
                    case .symbolic(let sym):
                        if let b = bindings[sym], b != v {
                            throw RuntimeError(.badInput, "\(sourceName): input '\(d.name)' dimension \(i) ('\(sym)') is \(v), but '\(sym)' is \(b) in another input")
                        }
                        bindings[sym] = v
                    default: break
                    }
                }
            }
        }
        let known = Set(graph.inputs.map(\.name))
        for k in feeds.keys where !known.contains(k) {
            throw RuntimeError(.badInput, "\(sourceName): '\(k)' is not an input of the graph (inputs: \(declared.map(\.name).joined(separator: ", ")))")
        }
    }
}
