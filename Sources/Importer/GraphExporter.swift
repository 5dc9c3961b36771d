import Foundation
import Runtime

/// Converts `Graph`s (the main graph and, recursively, attribute subgraphs) back into
/// `GraphProto`s, writing every field `GraphImporter` reads.
struct GraphExporter {
    let model: String
    /// Receives initializers of at least `ExternalDataWriter.minimumBytes` bytes; nil: every
    /// tensor is written inline.
    let external: ExternalDataWriter?
    /// Bytes of tensor data placed in the model message itself.
    private(set) var inlineBytes = 0

    init(model: String, external: ExternalDataWriter?) {
        self.model = model
        self.external = external
    }

    func fail(_ kind: ExportError.Kind, _ message: String) -> ExportError { ExportError(kind, model: model, message) }

    /// `parameters` replace initializer values of this graph (already checked by the caller).
    /// `context` names the graph in errors ("graph 'main'", "… attribute 'body'").
    mutating func exportGraph(_ g: Graph, parameters: [String: Tensor] = [:], context: String) throws -> Onnx_GraphProto {
        var p = Onnx_GraphProto()
        p.name = g.name
        for name in Self.initializerNames(g) {
            guard let t = parameters[name] ?? g.initializers[name] else { continue }
            p.initializer.append(try initializer(t, name: name, context: context))
        }
        p.input = g.inputs.map(valueInfo)
        p.output = g.outputs.map(valueInfo)
        p.valueInfo = Self.valueInfoNames(g).compactMap { g.valueInfo[$0].map(valueInfo) }
        p.node.reserveCapacity(g.nodes.count)
        for n in g.nodes { p.node.append(try node(n, context: context)) }
        return p
    }

    /// `initializerOrder`, then any initializer it misses (a graph edited through the
    /// dictionary) by name; each once.
    static func initializerNames(_ g: Graph) -> [String] {
        var seen = Set<String>()
        let ordered = g.initializerOrder.filter { g.initializers[$0] != nil && seen.insert($0).inserted }
        return ordered + g.initializers.keys.filter { !seen.contains($0) }.sorted()
    }

    /// Declared intermediates in the order their producers appear, then the rest by name.
    static func valueInfoNames(_ g: Graph) -> [String] {
        var seen = Set<String>()
        var names: [String] = []
        for n in g.nodes {
            for o in n.outputs where g.valueInfo[o] != nil && seen.insert(o).inserted { names.append(o) }
        }
        return names + g.valueInfo.keys.filter { !seen.contains($0) }.sorted()
    }

    // MARK: tensors

    mutating func initializer(_ t: Tensor, name: String, context: String) throws -> Onnx_TensorProto {
        try checkEncodable(t, "\(context), initializer '\(name)'")
        if let external, t.byteCount >= ExternalDataWriter.minimumBytes {
            var p = TensorProtoIO.header(t, name: name)
            do {
                try external.append(t, to: &p)
            } catch {
                throw fail(.io, "cannot write external data file '\(external.location)': \(error.localizedDescription)")
            }
            return p
        }
        inlineBytes += t.byteCount
        return TensorProtoIO.encode(t, name: name)
    }

    mutating func attributeTensor(_ t: Tensor, at place: String) throws -> Onnx_TensorProto {
        try checkEncodable(t, place)
        inlineBytes += t.byteCount
        return TensorProtoIO.encode(t, name: "")
    }

    func checkEncodable(_ t: Tensor, _ place: String) throws {
        guard t.dtype != .string else {
            throw fail(.unsupportedDType, "\(place) is a string tensor, which the runtime holds no characters for")
        }
    }

    // MARK: value info

    func valueInfo(_ v: ValueInfo) -> Onnx_ValueInfoProto {
        var p = Onnx_ValueInfoProto()
        p.name = v.name
        if let spelling = v.unsupportedType, var type = TypeSpelling.typeProto(spelling) {
            if case .tensorType(var t)? = type.value, let shape = v.shape {
                t.shape = Self.shape(shape)
                type.tensorType = t
            }
            p.type = type
        } else if v.dtype != nil || v.shape != nil {
            var t = Onnx_TypeProto.Tensor()
            if let d = v.dtype { t.elemType = Int32(d.rawValue) }
            if let s = v.shape { t.shape = Self.shape(s) }
            p.type.tensorType = t
        }
        return p
    }

    /// `.fixed` → dim_value, `.symbolic` → dim_param, `.unknown` → a dimension with neither.
    static func shape(_ dims: [Dim]) -> Onnx_TensorShapeProto {
        var s = Onnx_TensorShapeProto()
        s.dim = dims.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            switch d {
            case .fixed(let v): dim.dimValue = Int64(v)
            case .symbolic(let name): dim.dimParam = name
            case .unknown: break
            }
            return dim
        }
        return s
    }

    // MARK: nodes

    mutating func node(_ n: Node, context: String) throws -> Onnx_NodeProto {
        var p = Onnx_NodeProto()
        p.name = n.name
        p.opType = n.opType
        p.domain = n.domain
        p.input = n.inputs
        p.output = n.outputs
        let place = "node \(n.label) (\(context))"
        for key in n.attributes.keys.sorted() {
            guard let a = n.attributes[key] else { continue }
            p.attribute.append(try attribute(a, name: key, place: "\(place), attribute '\(key)'"))
        }
        return p
    }

    mutating func attribute(_ a: Attribute, name: String, place: String) throws -> Onnx_AttributeProto {
        var p = Onnx_AttributeProto()
        p.name = name
        switch a {
        case .float(let v):
            p.type = .float
            p.f = v
        case .int(let v):
            p.type = .int
            p.i = Int64(v)
        case .string(let v):
            p.type = .string
            p.s = Data(v.utf8)
        case .tensor(let t):
            p.type = .tensor
            p.t = try attributeTensor(t, at: place)
        case .graph(let g):
            p.type = .graph
            p.g = try exportGraph(g, context: place)
        case .floats(let v):
            p.type = .floats
            p.floats = v
        case .ints(let v):
            p.type = .ints
            p.ints = v.map { Int64($0) }
        case .strings(let v):
            p.type = .strings
            p.strings = v.map { Data($0.utf8) }
        case .tensors(let ts):
            p.type = .tensors
            p.tensors = try ts.enumerated().map { i, t in try attributeTensor(t, at: "\(place)[\(i)]") }
        case .graphs(let gs):
            p.type = .graphs
            p.graphs = try gs.enumerated().map { i, g in try exportGraph(g, context: "\(place)[\(i)]") }
        case .opaque(let kind):
            throw fail(.opaqueAttribute, "\(place) is of kind \(kind), whose value the importer does not keep, so it cannot be written back")
        }
        return p
    }
}
