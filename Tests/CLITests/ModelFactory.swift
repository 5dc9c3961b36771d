import Foundation
import Importer
import ONNXTestSupport
import SwiftProtobuf

/// The small ONNX files the command-line tests feed to `seeing`.
enum ModelFactory {
    static func floatTensor(_ name: String, dims: [Int], values: [Float]) -> Onnx_TensorProto {
        var t = Proto.tensor(name, 1, dims.map(Int64.init))
        t.floatData = values
        return t
    }

    /// x (N×3) → Relu → Add(b) → y: a valid two-node model with a symbolic batch and an
    /// output name that needs sanitising.
    static func reluAdd() -> Onnx_ModelProto {
        Proto.model(nodes: [Proto.node("Relu", ["x"], ["r"], name: "relu"), Proto.node("Add", ["r", "b"], ["y:out/0"], name: "add")],
                    inputs: [Proto.value("x", 1, ["N", 3])],
                    outputs: [Proto.value("y:out/0", 1, ["N", 3])],
                    initializers: [floatTensor("b", dims: [3], values: [1, 2, 3])], opset: 17)
    }

    static func write(_ m: Onnx_ModelProto, to path: String) throws {
        try m.serializedData().write(to: URL(fileURLWithPath: path))
    }
}
