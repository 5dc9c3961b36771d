import Foundation
import Runtime

/// Converts `GraphProto`s (the main graph and, recursively, attribute subgraphs) into
/// `Graph`s, recording every node's op in the report as it goes.
struct GraphImporter {
    let source: String
    let baseDirectory: String?
    let registry: OpRegistry
    /// Op key → node names, in first-seen order per key.
    private(set) var nodesByOp: [OpKey: [String]] = [:]

    init(source: String, baseDirectory: String?, registry: OpRegistry) {
        self.source = source
        self.baseDirectory = baseDirectory
        self.registry = registry
    }

    func fail(_ kind: ImportError.Kind, _ message: String) -> ImportError { ImportError(kind, file: source, message) }

    /// `isMain`: the model's top-level graph, whose inputs must be tensors (the caller feeds
    /// them); subgraph inputs (Loop/Scan bodies) may be of any type.
    mutating func importGraph(_ g: Onnx_GraphProto, isMain: Bool) throws -> Graph {
        var initializers: [String: Tensor] = [:]
        var order: [String] = []
        for t in g.initializer {
            let tensor = try TensorProtoIO.tensor(from: t, baseDirectory: baseDirectory, source: source)
            if initializers[t.name] == nil { order.append(t.name) }
            initializers[t.name] = tensor
        }
        if let sparse = g.sparseInitializer.first {
            throw fail(.unsupportedFeature, "sparse initializer '\(sparse.values.name)' is not supported (\(g.sparseInitializer.count) sparse initializer(s) in graph '\(g.name)')")
        }
        var inputs: [ValueInfo] = []
        for vi in g.input {
            let v = valueInfo(vi)
            if isMain, initializers[v.name] == nil, let why = v.unsupportedType, !isTensorType(vi) {
                throw fail(.unsupportedType, "graph input '\(v.name)' has type \(why); only tensor inputs are supported")
            }
            inputs.append(v)
        }
        var valueInfos: [String: ValueInfo] = [:]
        for vi in g.valueInfo { valueInfos[vi.name] = valueInfo(vi) }
        var nodes: [Node] = []
        nodes.reserveCapacity(g.node.count)
        for n in g.node { nodes.append(try node(n)) }
        return Graph(name: g.name, nodes: nodes, inputs: inputs, outputs: g.output.map(valueInfo),
                     initializers: initializers, initializerOrder: order, valueInfo: valueInfos)
    }

    func isTensorType(_ vi: Onnx_ValueInfoProto) -> Bool {
        if case .tensorType? = vi.type.value { return true }
        return false
    }

    // MARK: value info

    func valueInfo(_ vi: Onnx_ValueInfoProto) -> ValueInfo {
        guard vi.hasType, let value = vi.type.value else {
            return ValueInfo(name: vi.name, dtype: nil, shape: nil)
        }
        switch value {
        case .tensorType(let t):
            let shape: [Dim]? = t.hasShape ? t.shape.dim.map(dim) : nil
            let code = Int(t.elemType)
            if !t.hasElemType || code == 0 { return ValueInfo(name: vi.name, dtype: nil, shape: shape) }
            if let d = DType(rawValue: code), d != .string {
                return ValueInfo(name: vi.name, dtype: d, shape: shape)
            }
            return ValueInfo(name: vi.name, dtype: nil, shape: shape, unsupportedType: "tensor(\(DType.onnxName(code)))")
        default:
            return ValueInfo(name: vi.name, dtype: nil, shape: nil, unsupportedType: typeName(vi.type))
        }
    }

    func dim(_ d: Onnx_TensorShapeProto.Dimension) -> Dim {
        switch d.value {
        case .dimValue(let v)?: return v >= 0 ? .fixed(Int(v)) : .unknown
        case .dimParam(let s)? where !s.isEmpty: return .symbolic(s)
        default: return .unknown
        }
    }

    /// ONNX's spelling of a type: `seq(tensor(float))`, `map(int64,tensor(float))`, …
    func typeName(_ t: Onnx_TypeProto) -> String {
        switch t.value {
        case .tensorType(let x)?: return "tensor(\(DType.onnxName(Int(x.elemType))))"
        case .sequenceType(let x)?: return "seq(\(typeName(x.elemType)))"
        case .mapType(let x)?: return "map(\(DType.onnxName(Int(x.keyType))),\(typeName(x.valueType)))"
        case .optionalType(let x)?: return "optional(\(typeName(x.elemType)))"
        case .sparseTensorType(let x)?: return "sparse_tensor(\(DType.onnxName(Int(x.elemType))))"
        case .opaqueType(let x)?: return "opaque(\(x.domain).\(x.name))"
        case nil: return "undefined"
        }
    }

    // MARK: nodes

    mutating func node(_ n: Onnx_NodeProto) throws -> Node {
        var attributes: [String: Attribute] = [:]
        let label = n.name.isEmpty ? "\(n.opType) (output '\(n.output.first ?? "?")')" : "\(n.opType) '\(n.name)'"
        for a in n.attribute {
            attributes[a.name] = try attribute(a, node: label)
        }
        let node = Node(name: n.name, opType: n.opType, domain: n.domain, inputs: n.input, outputs: n.output,
                        attributes: attributes)
        nodesByOp[OpKey(node.domain, node.opType), default: []].append(n.name.isEmpty ? label : n.name)
        return node
    }

    mutating func attribute(_ a: Onnx_AttributeProto, node: String) throws -> Attribute {
        func tensor(_ t: Onnx_TensorProto) throws -> Tensor {
            do {
                return try TensorProtoIO.decode(t, baseDirectory: baseDirectory)
            } catch let e as TensorDecodeError {
                throw fail(e.kind, "node \(node), attribute '\(a.name)'\(t.name.isEmpty ? "" : " (tensor '\(t.name)')"): \(e.message)")
            }
        }
        switch kind(of: a) {
        case .float: return .float(a.f)
        case .int: return .int(Int(a.i))
        case .string: return .string(String(decoding: a.s, as: UTF8.self))
        case .tensor: return .tensor(try tensor(a.t))
        case .graph: return .graph(try importGraph(a.g, isMain: false))
        case .floats: return .floats(a.floats)
        case .ints: return .ints(a.ints.map { Int($0) })
        case .strings: return .strings(a.strings.map { String(decoding: $0, as: UTF8.self) })
        case .tensors: return .tensors(try a.tensors.map(tensor))
        case .graphs:
            var gs: [Graph] = []
            for g in a.graphs { gs.append(try importGraph(g, isMain: false)) }
            return .graphs(gs)
        case .sparseTensor: return .opaque(kind: "SPARSE_TENSOR")
        case .sparseTensors: return .opaque(kind: "SPARSE_TENSORS")
        case .typeProto: return .opaque(kind: "TYPE_PROTO")
        case .typeProtos: return .opaque(kind: "TYPE_PROTOS")
        case .undefined:
            throw fail(.invalidData, "node \(node), attribute '\(a.name)': attribute has no type and no value")
        }
    }

    /// The declared kind, or for files from before `type` was mandatory, the field that is set.
    func kind(of a: Onnx_AttributeProto) -> Onnx_AttributeProto.AttributeType {
        if a.hasType, a.type != .undefined { return a.type }
        if a.hasF { return .float }
        if a.hasI { return .int }
        if a.hasS { return .string }
        if a.hasT { return .tensor }
        if a.hasG { return .graph }
        if !a.floats.isEmpty { return .floats }
        if !a.ints.isEmpty { return .ints }
        if !a.strings.isEmpty { return .strings }
        if !a.tensors.isEmpty { return .tensors }
        if !a.graphs.isEmpty { return .graphs }
        return .undefined
    }
}
