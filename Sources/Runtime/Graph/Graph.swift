/// A dimension of a declared shape.
public enum Dim: Hashable, CustomStringConvertible {
    case fixed(Int)
    case symbolic(String)
    case unknown

    public var value: Int? { if case .fixed(let v) = self { return v } else { return nil } }
    public var description: String {
        switch self {
        case .fixed(let v): return String(v)
        case .symbolic(let s): return s
        case .unknown: return "?"
        }
    }
}

/// A declared graph input/output/intermediate: name, element type and (maybe partial) shape.
public struct ValueInfo {
    public var name: String
    /// nil when the file does not say (or declares a non-tensor type: see `typeNote`).
    public var dtype: DType?
    /// nil when the rank is unknown.
    public var shape: [Dim]?
    /// Non-nil when the declared type is something this runtime cannot hold (sequence, map,
    /// an unsupported element type): a human-readable description.
    public var unsupportedType: String?

    public init(name: String, dtype: DType?, shape: [Dim]?, unsupportedType: String? = nil) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.unsupportedType = unsupportedType
    }

    public var shapeDescription: String {
        guard let s = shape else { return "[?]" }
        return "[" + s.map(\.description).joined(separator: ", ") + "]"
    }
}

/// A computation graph: nodes in file order (not necessarily topological), declared inputs
/// and outputs, and constant initializers.
public struct Graph {
    public var name: String
    public var nodes: [Node]
    /// Declared inputs, in order. Older models also list initializers here; `runtimeInputs`
    /// excludes those.
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]
    public var initializers: [String: Tensor]
    /// Initializer names in file order (dictionary order is not stable).
    public var initializerOrder: [String]
    public var valueInfo: [String: ValueInfo]

    public init(name: String = "graph", nodes: [Node] = [], inputs: [ValueInfo] = [], outputs: [ValueInfo] = [],
                initializers: [String: Tensor] = [:], initializerOrder: [String]? = nil, valueInfo: [String: ValueInfo] = [:]) {
        self.name = name
        self.nodes = nodes
        self.inputs = inputs
        self.outputs = outputs
        self.initializers = initializers
        self.initializerOrder = initializerOrder ?? initializers.keys.sorted()
        self.valueInfo = valueInfo
    }

    /// Inputs the caller must feed (declared inputs that have no initializer).
    public var runtimeInputs: [ValueInfo] { inputs.filter { initializers[$0.name] == nil } }

    /// Total number of elements in float initializers (the "parameter count").
    public var parameterCount: Int {
        initializers.values.filter { $0.dtype.isFloatingPoint }.reduce(0) { $0 + $1.count }
    }

    public mutating func setInitializer(_ name: String, _ t: Tensor) {
        if initializers[name] == nil { initializerOrder.append(name) }
        initializers[name] = t
    }
}

/// A model: a graph plus the opset versions it was written against.
public struct Model {
    public var graph: Graph
    /// domain ("" = ai.onnx) → version.
    public var opsetImports: [String: Int]
    public var irVersion: Int
    public var producerName: String
    public var producerVersion: String
    /// Where it was loaded from, for messages.
    public var sourcePath: String?
    public var metadata: [String: String]

    public init(graph: Graph, opsetImports: [String: Int] = ["": 17], irVersion: Int = 8,
                producerName: String = "seeing", producerVersion: String = "", sourcePath: String? = nil,
                metadata: [String: String] = [:]) {
        self.graph = graph
        self.opsetImports = opsetImports
        self.irVersion = irVersion
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.sourcePath = sourcePath
        self.metadata = metadata
    }

    /// The ai.onnx opset version in force.
    public var opset: Int { opsetImports[""] ?? opsetImports["ai.onnx"] ?? 1 }

    public func opset(forDomain d: String) -> Int {
        let dom = d == "ai.onnx" ? "" : d
        return opsetImports[dom] ?? (dom == "" ? opset : 1)
    }
}
