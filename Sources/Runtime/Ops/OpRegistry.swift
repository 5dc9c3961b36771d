/// One operator: its identity and the reference kernel factory. Backends add faster kernels
/// for some ops; the reference one is always there and defines the semantics.
public struct OpDefinition {
    public let domain: String
    public let type: String
    /// Oldest opset version whose semantics the kernel implements.
    public let sinceVersion: Int
    /// False for ops whose outputs are random (never constant-folded).
    public let deterministic: Bool
    public let makeReference: (Node, Int) throws -> Kernel

    public init(domain: String = "", type: String, sinceVersion: Int = 1, deterministic: Bool = true,
                makeReference: @escaping (Node, Int) throws -> Kernel) {
        self.domain = domain
        self.type = type
        self.sinceVersion = sinceVersion
        self.deterministic = deterministic
        self.makeReference = makeReference
    }
}

public struct OpKey: Hashable, CustomStringConvertible {
    public let domain: String
    public let type: String
    public init(_ domain: String, _ type: String) {
        self.domain = domain == "ai.onnx" ? "" : domain
        self.type = type
    }
    public var description: String { domain.isEmpty ? type : "\(domain).\(type)" }
}

/// The set of known ops. Each op family registers itself in its own file
/// (`registerXxx(into:)`); `OpRegistry.standard` lists the families.
public final class OpRegistry {
    /// Domain of the nodes backends write when they rewrite a graph for execution (the oneDNN
    /// backend's `FusedConv`): they exist only inside a `Session` and are not ONNX ops.
    public static let internalDomain = "com.seeing"

    private(set) var ops: [OpKey: OpDefinition] = [:]
    /// Reverse-mode rules, registered beside each op's forward kernel.
    private(set) var vjps: [OpKey: VJPRule] = [:]
    /// Ops with no gradient by nature (shapes, comparisons, indices), each with the reason:
    /// declared explicitly so that a missing rule is a detectable gap, not a silent zero.
    private(set) var nonDifferentiable: [OpKey: String] = [:]

    public init() {}

    public func register(_ def: OpDefinition) {
        let key = OpKey(def.domain, def.type)
        precondition(ops[key] == nil, "op \(key) registered twice")
        ops[key] = def
    }

    /// Registers a stateless reference kernel.
    public func register(_ type: String, domain: String = "", since: Int = 1, deterministic: Bool = true,
                         _ body: @escaping ClosureKernel.Body) {
        let k = ClosureKernel(body)
        register(OpDefinition(domain: domain, type: type, sinceVersion: since, deterministic: deterministic,
                              makeReference: { _, _ in k }))
    }

    public func definition(domain: String, type: String) -> OpDefinition? { ops[OpKey(domain, type)] }

    public func registerVJP(_ type: String, domain: String = "", _ rule: @escaping VJPRule) {
        let key = OpKey(domain, type)
        precondition(vjps[key] == nil, "VJP for \(key) registered twice")
        vjps[key] = rule
    }

    /// Declares `types` as having no gradient; `reason` says why (shown when a gradient is asked for).
    public func markNonDifferentiable(_ types: [String], domain: String = "", because reason: String) {
        for t in types { nonDifferentiable[OpKey(domain, t)] = reason }
    }

    public func vjp(domain: String, type: String) -> VJPRule? { vjps[OpKey(domain, type)] }

    public func isNonDifferentiable(domain: String, type: String) -> Bool {
        nonDifferentiable[OpKey(domain, type)] != nil
    }

    /// Why an op declared non-differentiable has no gradient (nil when it is not declared so).
    public func nonDifferentiableReason(domain: String, type: String) -> String? {
        nonDifferentiable[OpKey(domain, type)]
    }

    public var allKeys: [OpKey] { ops.keys.sorted { $0.description < $1.description } }

    /// Every op family of the runtime.
    public static let standard: OpRegistry = {
        let r = OpRegistry()
        registerElementwiseOps(into: r)
        registerActivationOps(into: r)
        registerReductionOps(into: r)
        registerShapeOps(into: r)
        registerIndexingOps(into: r)
        registerResizePadOps(into: r)
        registerConvOps(into: r)
        registerPoolOps(into: r)
        registerNormalizationOps(into: r)
        registerMatMulOps(into: r)
        registerMiscOps(into: r)
        registerLossOps(into: r)
        registerUnaryMathOps(into: r)
        registerCumulativeOps(into: r)
        registerSortOps(into: r)
        registerSelectionOps(into: r)
        registerUnpoolOps(into: r)
        registerEinsumOps(into: r)
        registerGridSampleOps(into: r)
        registerQuantizationOps(into: r)
        FusedConvVJP.register(into: r)
        return r
    }()
}
