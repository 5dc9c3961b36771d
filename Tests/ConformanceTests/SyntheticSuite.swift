import Foundation
import Importer
import ONNXTestSupport
import Runtime
import SwiftProtobuf

/// A conformance data root built in a temporary directory: node-test folders holding
/// hand-made models and data sets.
final class SyntheticSuite {
    let root: String

    init() throws {
        root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("seeing-conf-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: root) }

    static func value(_ name: String, _ elem: Int32, _ dims: [Int64]) -> Onnx_ValueInfoProto {
        Proto.value(name, elem, dims.map { Int($0) })
    }

    static func sequenceValue(_ name: String) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var seq = Onnx_TypeProto.Sequence()
        seq.elemType = value("e", 1, []).type
        v.type.sequenceType = seq
        return v
    }

    static func tensor(_ dtype: Int32, _ dims: [Int64], raw: [UInt8]) -> Onnx_TensorProto {
        Proto.tensor("", dtype, dims, raw: raw)
    }

    static func floats(_ v: [Float]) -> Onnx_TensorProto {
        tensor(1, [Int64(v.count)], raw: Proto.bytes(v))
    }

    /// A test whose graph has `nodes` (none: the output is the input itself).
    func addTest(_ name: String, nodes: [Onnx_NodeProto] = [], inputs: [Onnx_ValueInfoProto], outputs: [Onnx_ValueInfoProto],
                 dataSets: [([Onnx_TensorProto], [Onnx_TensorProto])]) throws {
        let dir = "\(root)/\(name)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var g = Onnx_GraphProto()
        g.name = name
        g.node = nodes
        g.input = inputs
        g.output = outputs
        var m = Onnx_ModelProto()
        m.irVersion = 8
        var o = Onnx_OperatorSetIdProto()
        o.version = 13
        m.opsetImport = [o]
        m.graph = g
        try m.serializedData().write(to: URL(fileURLWithPath: "\(dir)/model.onnx"))
        for (i, (ins, outs)) in dataSets.enumerated() {
            let set = "\(dir)/test_data_set_\(i)"
            try FileManager.default.createDirectory(atPath: set, withIntermediateDirectories: true)
            for (j, t) in ins.enumerated() { try t.serializedData().write(to: URL(fileURLWithPath: "\(set)/input_\(j).pb")) }
            for (j, t) in outs.enumerated() { try t.serializedData().write(to: URL(fileURLWithPath: "\(set)/output_\(j).pb")) }
        }
    }

    /// The tests every suite test uses: a pass, a mismatch, an unknown op, a sequence input.
    func addStandardTests() throws {
        let x = Self.value("x", 1, [3])
        try addTest("test_identity_pass", inputs: [x], outputs: [x],
                    dataSets: [([Self.floats([1, 2, 3])], [Self.floats([1, 2, 3])]),
                               ([Self.floats([4, 5, 6])], [Self.floats([4, 5, 6])])])
        try addTest("test_identity_mismatch", inputs: [x], outputs: [x],
                    dataSets: [([Self.floats([1, 2, 3])], [Self.floats([1, 2, 3])]),
                               ([Self.floats([1, 2, 3])], [Self.floats([1, 2, 4])])])
        var node = Onnx_NodeProto()
        node.opType = "NoSuchOp"
        node.input = ["x"]
        node.output = ["y"]
        try addTest("test_unknown_op", nodes: [node], inputs: [x], outputs: [Self.value("y", 1, [3])], dataSets: [])
        try addTest("test_sequence_input", inputs: [Self.sequenceValue("s")], outputs: [Self.sequenceValue("s")], dataSets: [])
    }
}
