import ONNXTestSupport
import Foundation
@testable import Importer
import Runtime
import XCTest

final class ModelImportTests: XCTestCase {
    func load(_ m: Onnx_ModelProto, registry: OpRegistry = .standard) throws -> ImportResult {
        try ONNXImporter.load(data: try m.serializedData(), baseDirectory: nil, sourceName: "test.onnx", registry: registry)
    }

    func testModelFieldsInputsOutputsValueInfo() throws {
        var m = Proto.model(nodes: [Proto.node("Relu", ["x"], ["h"], name: "relu1"), Proto.node("Neg", ["h"], ["y"], name: "neg1")],
                            inputs: [Proto.value("x", 1, ["N", 3, ""])],
                            outputs: [Proto.value("y", 1, ["N", 3, 4])], opset: 17)
        m.graph.valueInfo = [Proto.value("h", 1, [2, 3])]
        var kv = Onnx_StringStringEntryProto()
        kv.key = "author"
        kv.value = "me"
        m.metadataProps = [kv]
        var ml = Onnx_OperatorSetIdProto()
        ml.domain = "ai.onnx.ml"
        ml.version = 3
        m.opsetImport.append(ml)
        let r = try load(m)
        let model = r.model
        XCTAssertEqual(model.sourcePath, "test.onnx")
        XCTAssertEqual(model.irVersion, 8)
        XCTAssertEqual(model.producerName, "unit-test")
        XCTAssertEqual(model.producerVersion, "1.0")
        XCTAssertEqual(model.metadata, ["author": "me"])
        XCTAssertEqual(model.opsetImports, ["": 17, "ai.onnx.ml": 3])
        XCTAssertEqual(model.opset, 17)
        XCTAssertEqual(model.graph.name, "g")
        XCTAssertEqual(model.graph.nodes.map(\.name), ["relu1", "neg1"])
        XCTAssertEqual(model.graph.nodes[1].inputs, ["h"])
        // dim_param → symbolic, empty dimension → unknown.
        XCTAssertEqual(model.graph.inputs[0].shape, [.symbolic("N"), .fixed(3), .unknown])
        XCTAssertEqual(model.graph.inputs[0].dtype, .float32)
        XCTAssertEqual(model.graph.outputs[0].shape, [.symbolic("N"), .fixed(3), .fixed(4)])
        XCTAssertEqual(model.graph.valueInfo["h"]?.shape, [.fixed(2), .fixed(3)])
    }

    func testInputWithoutShapeOrType() throws {
        var untyped = Onnx_ValueInfoProto()
        untyped.name = "u"
        let m = Proto.model(nodes: [Proto.node("Add", ["x", "u"], ["y"])],
                            inputs: [Proto.value("x", 7, nil), untyped], outputs: [Proto.value("y", 7)])
        let g = try load(m).model.graph
        XCTAssertEqual(g.inputs[0].dtype, .int64)
        XCTAssertNil(g.inputs[0].shape)
        XCTAssertNil(g.inputs[1].dtype)
        XCTAssertNil(g.inputs[1].shape)
    }

    func testInitializersAndRuntimeInputs() throws {
        var w = Proto.tensor("W", 1, [2])
        w.floatData = [1, 2]
        let b = Proto.tensor("B", 1, [2], raw: Proto.bytes([Float(3), 4]))
        // Older exporters list initializers among the inputs too.
        let m = Proto.model(nodes: [Proto.node("Add", ["x", "W"], ["t"]), Proto.node("Add", ["t", "B"], ["y"])],
                            inputs: [Proto.value("x", 1, [2]), Proto.value("W", 1, [2])],
                            outputs: [Proto.value("y", 1, [2])], initializers: [w, b])
        let g = try load(m).model.graph
        XCTAssertEqual(g.initializerOrder, ["W", "B"])
        XCTAssertEqual(g.initializers["W"]?.toArray(Float.self), [1, 2])
        XCTAssertEqual(g.initializers["B"]?.toArray(Float.self), [3, 4])
        XCTAssertEqual(g.runtimeInputs.map(\.name), ["x"])
    }

    func testConstantNodeWeights() throws {
        var value = Proto.tensor("", 1, [2, 2])
        value.floatData = [1, 2, 3, 4]
        let c = Proto.node("Constant", [], ["c"], name: "const0", attributes: [Attr.tensor("value", value)])
        let m = Proto.model(nodes: [c], inputs: [], outputs: [Proto.value("c", 1, [2, 2])])
        let n = try load(m).model.graph.nodes[0]
        XCTAssertEqual(n.opType, "Constant")
        XCTAssertEqual(n.tensor("value")?.shape, [2, 2])
        XCTAssertEqual(n.tensor("value")?.toArray(Float.self), [1, 2, 3, 4])
    }

    func testEveryAttributeKind() throws {
        var t1 = Proto.tensor("t1", 7, [1]); t1.int64Data = [5]
        var t2 = Proto.tensor("t2", 1, [1]); t2.floatData = [0.5]
        let body = Proto.model(nodes: [Proto.node("MysteryOp", ["a"], ["b"], name: "inner")],
                               inputs: [Proto.value("a")], outputs: [Proto.value("b")]).graph
        var sparse = Onnx_AttributeProto(); sparse.name = "sp"; sparse.type = .sparseTensor
        sparse.sparseTensor = Onnx_SparseTensorProto()
        var tp = Onnx_AttributeProto(); tp.name = "tp"; tp.type = .typeProto; tp.tp = Proto.tensorType(1, nil)
        var legacy = Onnx_AttributeProto(); legacy.name = "legacy"; legacy.i = 9 // no `type`: pre-IR-4 files
        let attrs = [
            Attr.float("f", 0.25), Attr.int("i", -3), Attr.string("s", "same_upper"), Attr.tensor("t", t1),
            Attr.graph("g", body), Attr.floats("fs", [1, 2.5]), Attr.ints("is", [1, -2, 3]),
            Attr.strings("ss", ["a", "bc"]), Attr.tensors("ts", [t1, t2]), Attr.graphs("gs", [body, body]),
            sparse, tp, legacy,
        ]
        let m = Proto.model(nodes: [Proto.node("Custom", ["x"], ["y"], name: "n0", attributes: attrs)],
                            inputs: [Proto.value("x")], outputs: [Proto.value("y")])
        let r = try load(m)
        let n = r.model.graph.nodes[0]
        XCTAssertEqual(n.float("f"), 0.25)
        XCTAssertEqual(n.int("i"), -3)
        XCTAssertEqual(n.string("s"), "same_upper")
        XCTAssertEqual(n.tensor("t")?.toArray(Int64.self), [5])
        XCTAssertEqual(n.floats("fs"), [1, 2.5])
        XCTAssertEqual(n.ints("is"), [1, -2, 3])
        XCTAssertEqual(n.strings("ss"), ["a", "bc"])
        XCTAssertEqual(n.int("legacy"), 9)
        guard case .graph(let g)? = n.attributes["g"], case .graphs(let gs)? = n.attributes["gs"],
              case .tensors(let ts)? = n.attributes["ts"] else {
            return XCTFail("graph/graphs/tensors attributes missing: \(n.attributes.keys.sorted())")
        }
        XCTAssertEqual(g.nodes.map(\.name), ["inner"])
        XCTAssertEqual(g.inputs.map(\.name), ["a"])
        XCTAssertEqual(gs.count, 2)
        XCTAssertEqual(ts.map(\.dtype), [.int64, .float32])
        XCTAssertEqual(n.attributes["sp"]?.kindName, "SPARSE_TENSOR")
        XCTAssertEqual(n.attributes["tp"]?.kindName, "TYPE_PROTO")
        // Ops inside subgraphs are reported too: 1 (g) + 2 (gs) MysteryOp nodes.
        let mystery = r.report.unsupportedOps.first { $0.op.type == "MysteryOp" }
        XCTAssertEqual(mystery?.nodes, ["inner", "inner", "inner"])
    }

    func testUnknownOpsAreReportedNotFatal() throws {
        let registry = OpRegistry()
        registry.register("Relu") { inputs, _ in [try inputs.required(0)] }
        let m = Proto.model(nodes: [
            Proto.node("Relu", ["x"], ["a"], name: "r"),
            Proto.node("FancyNorm", ["a"], ["b"], name: "fn1"),
            Proto.node("FancyNorm", ["b"], ["c"]),
            Proto.node("Attention", ["c"], ["y"], name: "attn", domain: "com.microsoft"),
        ], inputs: [Proto.value("x")], outputs: [Proto.value("y")])
        let r = try load(m, registry: registry)
        XCTAssertEqual(r.model.graph.nodes.count, 4)
        XCTAssertFalse(r.report.isRunnable)
        XCTAssertEqual(r.report.unsupportedOps.map(\.op.description), ["FancyNorm", "com.microsoft.Attention"])
        XCTAssertEqual(r.report.unsupportedOps[0].nodes, ["fn1", "FancyNorm (output 'c')"])
        XCTAssertEqual(r.report.unsupportedOps[1].nodes, ["attn"])
        XCTAssertEqual(r.report.opCounts[OpKey("", "Relu")], 1)
        XCTAssert(r.report.warnings.contains { $0.contains("com.microsoft") && $0.contains("not part of standard ONNX") }, "\(r.report.warnings)")
        XCTAssert(r.report.warnings.contains { $0.contains("no opset_import") }, "\(r.report.warnings)")
        XCTAssert(r.report.description.contains("FancyNorm (2 nodes"), r.report.description)
    }

    func testOpsetOutsideSupportedRangeWarns() throws {
        let m = Proto.model(nodes: [Proto.node("Relu", ["x"], ["y"])], inputs: [Proto.value("x")],
                            outputs: [Proto.value("y")], opset: 21)
        let r = try load(m)
        XCTAssert(r.report.warnings.contains { $0.contains("opset 21") }, "\(r.report.warnings)")
    }

    func testNonTensorOutputIsKeptWithNote() throws {
        var seq = Onnx_ValueInfoProto()
        seq.name = "s"
        var st = Onnx_TypeProto.Sequence()
        st.elemType = Proto.tensorType(1, nil)
        seq.type.sequenceType = st
        let m = Proto.model(nodes: [Proto.node("SequenceConstruct", ["x"], ["s"])], inputs: [Proto.value("x")], outputs: [seq])
        let r = try load(m)
        XCTAssertEqual(r.model.graph.outputs[0].unsupportedType, "seq(tensor(float32))")
        XCTAssertNil(r.model.graph.outputs[0].dtype)
    }

    func testStringInputIsMarkedUnsupported() throws {
        let m = Proto.model(nodes: [Proto.node("Identity", ["x"], ["y"])], inputs: [Proto.value("x", 8, [2])],
                            outputs: [Proto.value("y", 8, [2])])
        let r = try load(m)
        XCTAssertEqual(r.model.graph.inputs[0].unsupportedType, "tensor(string)")
        XCTAssert(r.report.warnings.contains { $0.contains("tensor(string)") })
    }

    func testLoadFromPathSetsSourcePathAndBaseDirectory() throws {
        let dir = try TempDir()
        let path = dir.path + "/m.onnx"
        let m = Proto.model(nodes: [Proto.node("Relu", ["x"], ["y"])], inputs: [Proto.value("x")], outputs: [Proto.value("y")])
        try m.serializedData().write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try ONNXImporter.load(path: path).model.sourcePath, path)
    }
}

/// AttributeProto constructors.
enum Attr {
    static func make(_ name: String, _ type: Onnx_AttributeProto.AttributeType, _ fill: (inout Onnx_AttributeProto) -> Void) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = type
        fill(&a)
        return a
    }
    static func float(_ n: String, _ v: Float) -> Onnx_AttributeProto { make(n, .float) { $0.f = v } }
    static func int(_ n: String, _ v: Int64) -> Onnx_AttributeProto { make(n, .int) { $0.i = v } }
    static func string(_ n: String, _ v: String) -> Onnx_AttributeProto { make(n, .string) { $0.s = Data(v.utf8) } }
    static func tensor(_ n: String, _ v: Onnx_TensorProto) -> Onnx_AttributeProto { make(n, .tensor) { $0.t = v } }
    static func graph(_ n: String, _ v: Onnx_GraphProto) -> Onnx_AttributeProto { make(n, .graph) { $0.g = v } }
    static func floats(_ n: String, _ v: [Float]) -> Onnx_AttributeProto { make(n, .floats) { $0.floats = v } }
    static func ints(_ n: String, _ v: [Int64]) -> Onnx_AttributeProto { make(n, .ints) { $0.ints = v } }
    static func strings(_ n: String, _ v: [String]) -> Onnx_AttributeProto { make(n, .strings) { $0.strings = v.map { Data($0.utf8) } } }
    static func tensors(_ n: String, _ v: [Onnx_TensorProto]) -> Onnx_AttributeProto { make(n, .tensors) { $0.tensors = v } }
    static func graphs(_ n: String, _ v: [Onnx_GraphProto]) -> Onnx_AttributeProto { make(n, .graphs) { $0.graphs = v } }
}
