import Foundation
@testable import Importer
import ONNXTestSupport
import Runtime
import SwiftProtobuf
import XCTest

/// `ONNXExporter`: import → export → import is exact (every field, every tensor byte), and
/// Swift-built or retrained models export their current values.
final class ExportTests: XCTestCase {
    // MARK: fixtures

    /// One raw-data initializer per dtype the runtime holds, with edge values; the bytes are
    /// what the exporter must write back unchanged.
    static let dtypeSamples: [(name: String, dtype: DType, dims: [Int64], raw: [UInt8])] = [
        ("f32", .float32, [3], Proto.bytes([Float(1.5), -0.0, Float(bitPattern: 0x7FC0_0001)])),
        ("u8", .uint8, [2], [0, 255]),
        ("i8", .int8, [2], Proto.bytes([Int8.min, Int8.max])),
        ("u16", .uint16, [2], Proto.bytes([UInt16(0), UInt16.max])),
        ("i16", .int16, [2], Proto.bytes([Int16.min, Int16.max])),
        ("i32", .int32, [2], Proto.bytes([Int32.min, Int32.max])),
        ("i64", .int64, [2], Proto.bytes([Int64.min, Int64.max])),
        ("bool", .bool, [3], [1, 0, 1]),
        ("f16", .float16, [2], Proto.bytes([UInt16(0x3C00), UInt16(0xFBFF)])), // 1.0, -65504
        ("f64", .float64, [2], Proto.bytes([Double.pi, -Double.infinity])),
        ("u32", .uint32, [2], Proto.bytes([UInt32.max, UInt32(7)])),
        ("u64", .uint64, [2], Proto.bytes([UInt64.max, UInt64(1)])),
        ("bf16", .bfloat16, [2], Proto.bytes([UInt16(0x3F80), UInt16(0x7FC0)])), // 1.0, NaN
        ("scalar", .float32, [], Proto.bytes([Float(42)])),
        ("empty", .int64, [0, 3], []),
    ]

    static func type(_ build: (inout Onnx_TypeProto) -> Void) -> Onnx_TypeProto {
        var t = Onnx_TypeProto()
        build(&t)
        return t
    }

    /// Value types the runtime cannot hold; they must be declared again as they were.
    static let exoticTypes: [(String, Onnx_TypeProto)] = [
        ("seq", type { $0.sequenceType.elemType = Proto.tensorType(1, nil) }),
        ("map", type { $0.mapType.keyType = 7; $0.mapType.valueType = Proto.tensorType(1, nil) }),
        ("opt", type { $0.optionalType.elemType = type { $0.sequenceType.elemType = Proto.tensorType(6, nil) } }),
        ("sparse", type { $0.sparseTensorType.elemType = 1 }),
        ("opaque", type { $0.opaqueType.domain = "com.example.types"; $0.opaqueType.name = "Blob" }),
        ("str", Proto.tensorType(8, ["N", 2])),
        ("c64", Proto.tensorType(14, [3])),
    ]

    static func exoticValue(_ name: String, _ t: Onnx_TypeProto) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        v.type = t
        return v
    }

    /// A branch graph with its own initializer, value_info and (at `depth` > 0) a nested If.
    static func branch(_ name: String, depth: Int) -> Onnx_GraphProto {
        var g = Onnx_GraphProto()
        g.name = name
        g.initializer = [Proto.tensor("\(name)_c", 1, [2], raw: Proto.bytes([Float(depth), 2]))]
        g.node = [Proto.node("Add", ["x", "\(name)_c"], ["\(name)_out"], name: "\(name)_add")]
        if depth > 0 {
            g.node.append(Proto.node("If", ["cond"], ["\(name)_nested"], name: "\(name)_if", attributes: [
                Attr.graph("then_branch", branch("\(name)_then", depth: depth - 1)),
                Attr.graph("else_branch", branch("\(name)_else", depth: depth - 1)),
            ]))
        }
        g.input = [exoticValue("\(name)_iter", type { $0.sequenceType.elemType = Proto.tensorType(1, nil) })]
        g.valueInfo = [Proto.value("\(name)_out", 1, [2])]
        g.output = [Proto.value("\(name)_out", 1, [2])]
        return g
    }

    /// Every field the importer reads: dims of each kind, untyped and shapeless values,
    /// exotic value types, an initializer also listed as input, initializers of every dtype in
    /// non-alphabetical order, every attribute kind (nested subgraphs, a typeless legacy
    /// attribute), node names and domains, several opsets, metadata.
    static func richModel() -> Onnx_ModelProto {
        var inits = dtypeSamples.map { Proto.tensor($0.name, Int32($0.dtype.rawValue), $0.dims, raw: $0.raw) }
        var typed = Proto.tensor("typed_f16", 10, [2])
        typed.int32Data = [0x3C00, 0xC000] // float16 1, -2 in the legacy typed field
        inits.insert(typed, at: 3)
        var untyped = Onnx_ValueInfoProto()
        untyped.name = "untyped"
        let attributes = [
            Attr.float("f", -0.25), Attr.float("nan", .nan), Attr.int("i", -7), Attr.string("s", "héllo"),
            Attr.tensor("t", Proto.tensor("", 7, [2, 2], raw: Proto.bytes([Int64(1), 2, 3, 4]))),
            Attr.floats("fs", [1, .infinity]), Attr.ints("is", [Int64.max, -1]), Attr.ints("none", []),
            Attr.strings("ss", ["a", ""]),
            Attr.tensors("ts", [Proto.tensor("", 9, [1], raw: [1]), Proto.tensor("", 16, [1], raw: Proto.bytes([UInt16(0x4000)]))]),
            Attr.graph("body", branch("body", depth: 1)),
            Attr.graphs("branches", [branch("g0", depth: 0), branch("g1", depth: 0)]),
            Attr.make("legacy", .undefined) { $0.i = 9 }, // no `type`: pre-IR-4 files
        ]
        var m = Proto.model(
            nodes: [
                Proto.node("Custom", ["x", "", "f32"], ["h", "h2"], name: "custom", domain: "com.example", attributes: attributes),
                Proto.node("Relu", ["h"], ["r"], domain: "ai.onnx"),
                Proto.node("Identity", ["r"], ["y"], name: "out"),
            ],
            inputs: [Proto.value("x", 1, ["N", 3, ""]), Proto.value("noShape", 1), untyped, Proto.value("scalar", 7, []),
                     Proto.value("f32", 1, [3])],
            outputs: [Proto.value("y", 1, ["N", 3, ""]), exoticValue("seq", exoticTypes[0].1)],
            initializers: inits)
        m.graph.valueInfo = [Proto.value("r", 1, ["N", 3, -1]), Proto.value("h", 1, nil)]
            + exoticTypes.dropFirst().map { exoticValue($0.0, $0.1) }
        m.irVersion = 7
        var ml = Onnx_OperatorSetIdProto()
        ml.domain = "com.example"
        ml.version = 2
        m.opsetImport.append(ml)
        m.metadataProps = [("license", "MIT"), ("author", "me")].map { k, v in
            var e = Onnx_StringStringEntryProto()
            e.key = k
            e.value = v
            return e
        }
        return m
    }

    static func load(_ data: Data) throws -> Model {
        try ONNXImporter.load(data: data, baseDirectory: nil, sourceName: "<memory>").model
    }

    static func proto(_ data: Data) throws -> Onnx_ModelProto {
        try Onnx_ModelProto(serializedBytes: data)
    }

    /// import → export → import: the two imports agree on every field, and exporting the
    /// second gives the same bytes again.
    @discardableResult
    func assertRoundTrip(_ model: Model, file: StaticString = #filePath, line: UInt = #line) throws -> Data {
        let data = try ONNXExporter.serialize(model)
        let back = try Self.load(data)
        let diff = ModelDiff.differences(model, back)
        XCTAssert(diff.isEmpty, diff.prefix(10).joined(separator: "\n"), file: file, line: line)
        XCTAssertEqual(try ONNXExporter.serialize(back), data, "re-export is not byte-stable", file: file, line: line)
        return data
    }

    // MARK: round trip

    func testRichModelRoundTripsExactly() throws {
        let original = try Self.load(try Self.richModel().serializedBytes())
        let data = try assertRoundTrip(original)
        XCTAssertEqual(original.graph.initializers["typed_f16"]?.dtype, .float16, "fixture sanity")

        let p = try Self.proto(data)
        XCTAssertEqual(p.irVersion, 7)
        XCTAssertEqual(p.producerName, "unit-test")
        XCTAssertEqual(p.producerVersion, "1.0")
        XCTAssertEqual(p.opsetImport.map { "\($0.domain):\($0.version)" }, [":13", "com.example:2"])
        XCTAssertEqual(p.metadataProps.map { "\($0.key)=\($0.value)" }, ["author=me", "license=MIT"])
        XCTAssertEqual(p.graph.initializer.map(\.name), Self.richModel().graph.initializer.map(\.name), "file order kept")
        XCTAssertEqual(p.graph.node.map(\.name), ["custom", "", "out"])
        XCTAssertEqual(p.graph.node.map(\.domain), ["com.example", "", ""])
        XCTAssertEqual(p.graph.node[0].input, ["x", "", "f32"])
    }

    /// The round-trip checks rest on ModelDiff: it must see a change in any field.
    func testModelDiffSeesEveryKindOfChange() throws {
        let base = try Self.load(try Self.richModel().serializedBytes())
        XCTAssert(ModelDiff.differences(base, base).isEmpty)
        var changes: [(String, (inout Model) -> Void)] = [
            ("ir_version", { $0.irVersion = 8 }),
            ("opset", { $0.opsetImports["com.example"] = 3 }),
            ("metadata", { $0.metadata["author"] = "you" }),
            ("initializer byte", { m in
                var t = m.graph.initializers["u8"]!
                t.withUnsafeMutableBytes { $0[1] = 254 }
                m.graph.initializers["u8"] = t
            }),
            ("initializer order", { $0.graph.initializerOrder.swapAt(0, 1) }),
            ("symbolic dim", { $0.graph.inputs[0].shape?[0] = .symbolic("M") }),
            ("unknown dim", { $0.graph.inputs[0].shape?[2] = .fixed(1) }),
            ("exotic type", { $0.graph.valueInfo["map"]?.unsupportedType = "map(int32,tensor(float32))" }),
            ("node domain", { $0.graph.nodes[0].domain = "com.other" }),
            ("NaN payload", { $0.graph.nodes[0].attributes["nan"] = .float(Float(bitPattern: 0x7FC0_0002)) }),
            ("empty input", { $0.graph.nodes[0].inputs[1] = "z" }),
        ]
        changes.append(("subgraph initializer", { m in
            guard case .graph(var g)? = m.graph.nodes[0].attributes["body"] else { return }
            g.initializers["body_c"] = Tensor(shape: [2], floats: [9, 9])
            m.graph.nodes[0].attributes["body"] = .graph(g)
        }))
        for (what, change) in changes {
            var m = base
            change(&m)
            XCTAssertFalse(ModelDiff.differences(base, m).isEmpty, what)
        }
    }

    func testInitializersAreRawLittleEndianForEveryDType() throws {
        let p = try Self.proto(try ONNXExporter.serialize(try Self.load(try Self.richModel().serializedBytes())))
        let byName = Dictionary(p.graph.initializer.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for s in Self.dtypeSamples {
            guard let t = byName[s.name] else { XCTFail("initializer \(s.name) missing"); continue }
            XCTAssertEqual(t.dataType, Int32(s.dtype.rawValue), s.name)
            XCTAssertEqual(t.dims, s.dims, s.name)
            XCTAssert(t.hasRawData, s.name)
            XCTAssertEqual([UInt8](t.rawData), s.raw, s.name)
            XCTAssert(t.floatData.isEmpty && t.int32Data.isEmpty && t.int64Data.isEmpty && t.doubleData.isEmpty && t.uint64Data.isEmpty, s.name)
        }
        // The legacy typed encoding comes back as raw bytes: float16 1 and -2.
        XCTAssertEqual([UInt8](byName["typed_f16"]?.rawData ?? Data()), Proto.bytes([UInt16(0x3C00), UInt16(0xC000)]))
    }

    func testValueTypesAndDims() throws {
        let source = Self.richModel()
        let p = try Self.proto(try ONNXExporter.serialize(try Self.load(try source.serializedBytes())))
        let x = p.graph.input[0].type.tensorType
        XCTAssertEqual(x.elemType, 1)
        XCTAssertEqual(x.shape.dim.count, 3)
        XCTAssertEqual(x.shape.dim[0].dimParam, "N")
        XCTAssertEqual(x.shape.dim[1].dimValue, 3)
        XCTAssertNil(x.shape.dim[2].value, "unknown dim: neither dim_value nor dim_param")
        XCTAssertFalse(p.graph.input[1].type.tensorType.hasShape, "no shape stays no shape")
        XCTAssertFalse(p.graph.input[2].hasType, "untyped stays untyped")
        XCTAssert(p.graph.input[3].type.tensorType.hasShape && p.graph.input[3].type.tensorType.shape.dim.isEmpty, "scalar shape []")
        XCTAssertEqual(p.graph.output[1].type, Self.exoticTypes[0].1)
        let declared = Dictionary(p.graph.valueInfo.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        for (name, type) in Self.exoticTypes.dropFirst() {
            XCTAssertEqual(declared[name], type, "value_info '\(name)'")
        }
        for garbage in ["seq(tensor(float32)", "tensor(nonsense)", "map(int64)", "list(int64)"] {
            XCTAssertNil(TypeSpelling.typeProto(garbage), garbage)
        }
        // value_info in producer order ("h" by node 0, "r" by node 1), then the rest by name.
        XCTAssertEqual(p.graph.valueInfo.map(\.name), ["h", "r", "c64", "map", "opaque", "opt", "sparse", "str"])
    }

    func testEveryAttributeKind() throws {
        let p = try Self.proto(try ONNXExporter.serialize(try Self.load(try Self.richModel().serializedBytes())))
        let attrs = Dictionary(p.graph.node[0].attribute.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(p.graph.node[0].attribute.map(\.name), p.graph.node[0].attribute.map(\.name).sorted())
        XCTAssertEqual(attrs["f"]?.type, .float); XCTAssertEqual(attrs["f"]?.f, -0.25)
        XCTAssert(attrs["nan"]?.f.isNaN == true)
        XCTAssertEqual(attrs["i"]?.type, .int); XCTAssertEqual(attrs["i"]?.i, -7)
        XCTAssertEqual(attrs["legacy"]?.type, .int); XCTAssertEqual(attrs["legacy"]?.i, 9)
        XCTAssertEqual(attrs["s"]?.type, .string); XCTAssertEqual(attrs["s"]?.s, Data("héllo".utf8))
        XCTAssertEqual(attrs["t"]?.type, .tensor); XCTAssertEqual(attrs["t"]?.t.rawData, Data(Proto.bytes([Int64(1), 2, 3, 4])))
        XCTAssertEqual(attrs["fs"]?.type, .floats); XCTAssertEqual(attrs["fs"]?.floats, [1, .infinity])
        XCTAssertEqual(attrs["is"]?.type, .ints); XCTAssertEqual(attrs["is"]?.ints, [Int64.max, -1])
        XCTAssertEqual(attrs["none"]?.type, .ints); XCTAssertEqual(attrs["none"]?.ints, [])
        XCTAssertEqual(attrs["ss"]?.type, .strings); XCTAssertEqual(attrs["ss"]?.strings, [Data("a".utf8), Data()])
        XCTAssertEqual(attrs["ts"]?.type, .tensors); XCTAssertEqual(attrs["ts"]?.tensors.map(\.dataType), [9, 16])
        XCTAssertEqual(attrs["body"]?.type, .graph)
        XCTAssertEqual(attrs["body"]?.g.initializer.map(\.name), ["body_c"])
        let nested = attrs["body"]?.g.node.last?.attribute.first { $0.name == "then_branch" }
        XCTAssertEqual(nested?.g.name, "body_then", "subgraphs are written recursively")
        XCTAssertEqual(nested?.g.initializer.first?.rawData, Data(Proto.bytes([Float(0), 2])))
        XCTAssertEqual(attrs["branches"]?.type, .graphs); XCTAssertEqual(attrs["branches"]?.graphs.map(\.name), ["g0", "g1"])
    }

    func testSwiftBuiltModelExportsAndRuns() throws {
        let w = Tensor(shape: [4, 3], floats: (0..<12).map { Float($0) * 0.5 - 2 })
        let b = Tensor(shape: [3], floats: [0.5, -1, 2])
        let graph = Graph(name: "mlp", nodes: [
            Node(name: "mm", opType: "MatMul", inputs: ["x", "w"], outputs: ["h"]),
            Node(name: "add", opType: "Add", inputs: ["h", "b"], outputs: ["z"]),
            Node(opType: "Relu", inputs: ["z"], outputs: ["y"]),
        ], inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.symbolic("N"), .fixed(4)])],
           outputs: [ValueInfo(name: "y", dtype: .float32, shape: [.symbolic("N"), .fixed(3)])],
           initializers: ["w": w, "b": b], initializerOrder: ["w", "b"],
           valueInfo: ["h": ValueInfo(name: "h", dtype: .float32, shape: [.symbolic("N"), .unknown])])
        let model = Model(graph: graph, opsetImports: ["": 17])
        let data = try assertRoundTrip(model)
        let p = try Self.proto(data)
        XCTAssertEqual(p.irVersion, 8)
        XCTAssertEqual(p.producerName, "seeing")
        XCTAssertEqual(p.graph.initializer.map(\.name), ["w", "b"])

        let x = Tensor(shape: [2, 4], floats: [1, 2, 3, 4, -1, 0, 1, 0])
        let expected = try Session(model: model, backend: .reference).run(["x": x])["y"]
        let got = try Session(model: try Self.load(data), backend: .reference).run(["x": x])["y"]
        XCTAssertEqual(got?.toArray(Float.self), expected?.toArray(Float.self))
        // By hand: column 0 of w is [-2, -0.5, 1, 2.5], so y[0][0] = -2 - 1 + 3 + 10 + 0.5 = 10.5.
        XCTAssertEqual(got?.toArray(Float.self).first, 10.5)
    }

    // MARK: parameters

    func smallModel() -> Model {
        let graph = Graph(name: "lin", nodes: [
            Node(name: "mm", opType: "MatMul", inputs: ["x", "w"], outputs: ["h"]),
            Node(name: "add", opType: "Add", inputs: ["h", "b"], outputs: ["y"]),
        ], inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.fixed(1), .fixed(2)])],
           outputs: [ValueInfo(name: "y", dtype: .float32, shape: [.fixed(1), .fixed(2)])],
           initializers: ["w": Tensor(shape: [2, 2], floats: [1, 0, 0, 1]), "b": Tensor(shape: [2], floats: [0, 0])],
           initializerOrder: ["w", "b"])
        return Model(graph: graph)
    }

    func testTrainedParametersAreExported() throws {
        let model = smallModel()
        let session = try Session(model: model, backend: .reference, parameters: ["w", "b"])
        let x = Tensor(shape: [1, 2], floats: [1, 2])
        // The values one SGD step (rate 0.5) on sum(y) gives: dw = xᵀ·1 = [[1,1],[2,2]], db = [1,1].
        try session.setParameter("w", Tensor(shape: [2, 2], floats: [0.5, -0.5, -1, 0]))
        try session.setParameter("b", Tensor(shape: [2], floats: [-0.5, -0.5]))
        let back = try Self.load(try ONNXExporter.serialize(session.model, parameters: session.parameters))
        XCTAssertEqual(back.graph.initializers["w"]?.toArray(Float.self), [0.5, -0.5, -1, 0])
        XCTAssertEqual(back.graph.initializers["b"]?.toArray(Float.self), [-0.5, -0.5])
        XCTAssertEqual(back.graph.initializerOrder, ["w", "b"])
        XCTAssertEqual(model.graph.initializers["w"]?.toArray(Float.self), [1, 0, 0, 1], "the source model is untouched")
        let y = try Session(model: back, backend: .reference).run(["x": x])["y"]
        XCTAssertEqual(y?.toArray(Float.self), try session.run(["x": x])["y"]?.toArray(Float.self))
        // [1,2]·[[0.5,-0.5],[-1,0]] + [-0.5,-0.5] = [-2, -1]
        XCTAssertEqual(y?.toArray(Float.self), [-2, -1])
    }

    func testParameterErrors() throws {
        let model = smallModel()
        XCTAssertThrowsError(try ONNXExporter.serialize(model, parameters: ["nope": Tensor(scalar: 1)])) { e in
            XCTAssertEqual((e as? ExportError)?.kind, .badParameter)
            XCTAssert("\(e)".contains("'nope'") && "\(e)".contains("not an initializer"), "\(e)")
        }
        XCTAssertThrowsError(try ONNXExporter.serialize(model, parameters: ["w": Tensor(shape: [4], floats: [1, 2, 3, 4])])) { e in
            XCTAssertEqual((e as? ExportError)?.kind, .badParameter)
            XCTAssert("\(e)".contains("float32[4]") && "\(e)".contains("float32[2, 2]"), "\(e)")
        }
    }

    // MARK: refusals

    func testOpaqueAttributeIsAClearError() throws {
        var sparse = Onnx_AttributeProto()
        sparse.name = "sp"
        sparse.type = .sparseTensor
        let m = Proto.model(nodes: [Proto.node("Constant", [], ["y"], name: "k", attributes: [sparse])],
                            inputs: [], outputs: [Proto.value("y")])
        let model = try Self.load(try m.serializedBytes())
        XCTAssertThrowsError(try ONNXExporter.serialize(model)) { e in
            XCTAssertEqual((e as? ExportError)?.kind, .opaqueAttribute)
            XCTAssert("\(e)".contains("Constant 'k'") && "\(e)".contains("'sp'") && "\(e)".contains("SPARSE_TENSOR"), "\(e)")
        }
    }

    func testStringTensorIsAClearError() throws {
        var g = smallModel().graph
        g.nodes[0].attributes["t"] = .tensor(Tensor(zeros: [2], dtype: .string))
        XCTAssertThrowsError(try ONNXExporter.serialize(Model(graph: g))) { e in
            XCTAssertEqual((e as? ExportError)?.kind, .unsupportedDType)
            XCTAssert("\(e)".contains("MatMul 'mm'") && "\(e)".contains("'t'"), "\(e)")
        }
    }

    /// The oneDNN backend's executed graph holds com.seeing.FusedConv nodes: refused, while
    /// the session's source model exports.
    func testBackendRewrittenGraphIsRefused() throws {
        let graph = Graph(name: "convrelu", nodes: [
            Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["c"]),
            Node(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["y"]),
        ], inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.fixed(1), .fixed(1), .fixed(4), .fixed(4)])],
           outputs: [ValueInfo(name: "y", dtype: .float32, shape: nil)],
           initializers: ["w": Tensor(shape: [1, 1, 3, 3], floats: [Float](repeating: 0.1, count: 9))])
        let session = try Session(model: Model(graph: graph), backend: .dnnl)
        guard session.graph.nodes.contains(where: { $0.domain == OpRegistry.internalDomain }) else {
            throw XCTSkip("oneDNN did not rewrite the graph (no CPU engine)")
        }
        XCTAssertThrowsError(try ONNXExporter.serialize(Model(graph: session.graph))) { e in
            XCTAssertEqual((e as? ExportError)?.kind, .internalOp)
            XCTAssert("\(e)".contains("FusedConv 'conv'") && "\(e)".contains("session.model"), "\(e)")
        }
        XCTAssertNoThrow(try assertRoundTrip(session.model))
    }

    // MARK: files

    func testWriteIsAtomicAndLeavesNoTemporaryFiles() throws {
        let dir = try TempDir()
        let path = dir.path + "/m.onnx"
        try ONNXExporter.write(smallModel(), to: path)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["m.onnx"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), try ONNXExporter.serialize(smallModel()))

        // A failing export leaves the existing file as it was.
        try Data("OLD".utf8).write(to: URL(fileURLWithPath: path))
        var bad = smallModel()
        bad.graph.nodes[0].attributes["x"] = .opaque(kind: "TYPE_PROTO")
        XCTAssertThrowsError(try ONNXExporter.write(bad, to: path, externalData: .always))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), Data("OLD".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["m.onnx"])

        XCTAssertThrowsError(try ONNXExporter.write(smallModel(), to: dir.path + "/missing/m.onnx")) { e in
            XCTAssertEqual((e as? ExportError)?.kind, .io, "\(e)")
        }
    }

    func testExternalDataRoundTrip() throws {
        var model = smallModel()
        let big1 = Tensor(shape: [300], floats: (0..<300).map { Float($0) })       // 1200 bytes
        let big2 = Tensor(shape: [16, 16], dtype: .float64, doubles: (0..<256).map { -Double($0) }) // 2048 bytes
        model.graph.setInitializer("big1", big1)
        model.graph.setInitializer("big2", big2)
        let dir = try TempDir()
        let path = dir.path + "/m.onnx"
        try ONNXExporter.write(model, to: path, externalData: .always)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["m.onnx", "m.onnx.data"])

        let p = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: path)))
        let byName = Dictionary(p.graph.initializer.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(byName["w"]?.dataLocation, .default, "small tensors stay inline")
        XCTAssertEqual(byName["w"]?.rawData.count, 16)
        func fields(_ name: String) -> [String: String] {
            Dictionary((byName[name]?.externalData ?? []).map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        }
        XCTAssertEqual(byName["big1"]?.dataLocation, .external)
        XCTAssertFalse(byName["big1"]?.hasRawData ?? true)
        XCTAssertEqual(fields("big1"), ["location": "m.onnx.data", "offset": "0", "length": "1200"])
        XCTAssertEqual(fields("big2"), ["location": "m.onnx.data", "offset": "1216", "length": "2048"], "64-byte aligned")
        let dataSize = try FileManager.default.attributesOfItem(atPath: path + ".data")[.size] as? Int
        XCTAssertEqual(dataSize, 1216 + 2048)

        let back = try ONNXImporter.load(path: path).model
        let diff = ModelDiff.differences(model, back)
        XCTAssert(diff.isEmpty, diff.joined(separator: "\n"))
        XCTAssertEqual(try ONNXExporter.serialize(back), try ONNXExporter.serialize(model), "inline re-export of the loaded model")
    }

    func testAutomaticKeepsSmallModelsInOneFile() throws {
        var model = smallModel()
        model.graph.setInitializer("big", Tensor(shape: [1000], floats: [Float](repeating: 1, count: 1000)))
        let dir = try TempDir()
        try ONNXExporter.write(model, to: dir.path + "/m.onnx")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["m.onnx"])
        XCTAssert(ONNXExporter.initializerBytes(model.graph) < ONNXExporter.automaticExternalDataBytes)
        XCTAssertEqual(ONNXExporter.initializerBytes(model.graph), 4000 + 16 + 8)
    }
}
