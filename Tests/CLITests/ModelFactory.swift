import Foundation
import Importer
import SwiftProtobuf

/// Builds small ONNX files for command-line tests, directly as protobuf messages.
enum ModelFactory {
    static func valueInfo(_ name: String, elemType: Int32 = 1, dims: [Any]) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var t = Onnx_TypeProto.Tensor()
        t.elemType = elemType
        var s = Onnx_TensorShapeProto()
        s.dim = dims.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            if let i = d as? Int { dim.dimValue = Int64(i) } else { dim.dimParam = "\(d)" }
            return dim
        }
        t.shape = s
        v.type.tensorType = t
        return v
    }

    static func floatTensor(_ name: String, dims: [Int], values: [Float]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims.map(Int64.init)
        t.dataType = 1
        t.floatData = values
        return t
    }

    static func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String = "", domain: String = "") -> Onnx_NodeProto {
        var n = Onnx_NodeProto()
        n.opType = op
        n.input = inputs
        n.output = outputs
        n.name = name
        n.domain = domain
        return n
    }

    static func model(nodes: [Onnx_NodeProto], inputs: [Onnx_ValueInfoProto], outputs: [Onnx_ValueInfoProto],
                      initializers: [Onnx_TensorProto] = [], opset: Int64 = 17) -> Onnx_ModelProto {
        var g = Onnx_GraphProto()
        g.name = "test"
        g.node = nodes
        g.input = inputs
        g.output = outputs
        g.initializer = initializers
        var m = Onnx_ModelProto()
        m.irVersion = 8
        m.producerName = "seeing-tests"
        var o = Onnx_OperatorSetIdProto()
        o.domain = ""
        o.version = opset
        m.opsetImport = [o]
        m.graph = g
        return m
    }

    /// x (N×3) → Relu → Add(b) → y: a valid two-node model with a symbolic batch.
    static func reluAdd() -> Onnx_ModelProto {
        model(nodes: [node("Relu", ["x"], ["r"], name: "relu"), node("Add", ["r", "b"], ["y:out/0"], name: "add")],
              inputs: [valueInfo("x", dims: ["N", 3])],
              outputs: [valueInfo("y:out/0", dims: ["N", 3])],
              initializers: [floatTensor("b", dims: [3], values: [1, 2, 3])])
    }

    static func write(_ m: Onnx_ModelProto, to path: String) throws {
        try m.serializedData().write(to: URL(fileURLWithPath: path))
    }
}
