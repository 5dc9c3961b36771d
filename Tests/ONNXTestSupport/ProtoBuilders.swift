import Foundation
import Importer
import SwiftProtobuf

/// Small constructors for hand-built ONNX protos (what an exporter would write), shared by the
/// importer, command-line and conformance tests.
public enum Proto {
    public static func tensorType(_ elem: Int32, _ dims: [Any]?) -> Onnx_TypeProto {
        var t = Onnx_TypeProto.Tensor()
        t.elemType = elem
        if let dims {
            var s = Onnx_TensorShapeProto()
            for d in dims {
                var dim = Onnx_TensorShapeProto.Dimension()
                if let v = d as? Int { dim.dimValue = Int64(v) } else if let p = d as? String, !p.isEmpty { dim.dimParam = p }
                s.dim.append(dim)
            }
            t.shape = s
        }
        var tp = Onnx_TypeProto()
        tp.tensorType = t
        return tp
    }

    public static func value(_ name: String, _ elem: Int32 = 1, _ dims: [Any]? = nil) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        v.type = tensorType(elem, dims)
        return v
    }

    public static func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String = "",
                     domain: String? = nil, attributes: [Onnx_AttributeProto] = []) -> Onnx_NodeProto {
        var n = Onnx_NodeProto()
        n.opType = op
        n.input = inputs
        n.output = outputs
        n.name = name
        if let domain { n.domain = domain }
        n.attribute = attributes
        return n
    }

    public static func tensor(_ name: String, _ dtype: Int32, _ dims: [Int64], raw: [UInt8]? = nil) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dataType = dtype
        t.dims = dims
        if let raw { t.rawData = Data(raw) }
        return t
    }

    /// Little-endian bytes of fixed-width values.
    public static func bytes<T>(_ values: [T]) -> [UInt8] {
        values.withUnsafeBytes { Array($0) }
    }

    public static func model(nodes: [Onnx_NodeProto], inputs: [Onnx_ValueInfoProto], outputs: [Onnx_ValueInfoProto],
                      initializers: [Onnx_TensorProto] = [], opset: Int64 = 13) -> Onnx_ModelProto {
        var g = Onnx_GraphProto()
        g.name = "g"
        g.node = nodes
        g.input = inputs
        g.output = outputs
        g.initializer = initializers
        var m = Onnx_ModelProto()
        m.irVersion = 8
        m.producerName = "unit-test"
        m.producerVersion = "1.0"
        var o = Onnx_OperatorSetIdProto()
        o.domain = ""
        o.version = opset
        m.opsetImport = [o]
        m.graph = g
        return m
    }

    /// A model whose single Identity node reads initializer `t`.
    public static func modelWithInitializer(_ t: Onnx_TensorProto) -> Onnx_ModelProto {
        model(nodes: [node("Identity", [t.name], ["y"])], inputs: [], outputs: [value("y", t.dataType)], initializers: [t])
    }

    public static func serialized(_ m: Onnx_ModelProto) throws -> Data { try m.serializedData() }
}
