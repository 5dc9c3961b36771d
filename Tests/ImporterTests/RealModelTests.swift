import Foundation
import Importer
import Runtime
import XCTest

/// A file written by the real ONNX exporter tooling (onnx.helper, via the Debian test data).
final class RealModelTests: XCTestCase {
    static let convDir = "/usr/share/libonnx-testdata/data/node/test_conv_with_strides_padding"

    func testConvWithStridesPadding() throws {
        let path = Self.convDir + "/model.onnx"
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) not installed") }
        let result = try ONNXImporter.load(path: path)
        let m = result.model
        XCTAssertEqual(m.sourcePath, path)
        XCTAssertEqual(m.opset, 11)
        XCTAssertEqual(m.producerName, "backend-test")
        let g = m.graph
        XCTAssertEqual(g.nodes.count, 1)
        let conv = g.nodes[0]
        XCTAssertEqual(conv.opType, "Conv")
        XCTAssertEqual(conv.inputs, ["x", "W"])
        XCTAssertEqual(conv.outputs, ["y"])
        XCTAssertEqual(conv.ints("kernel_shape"), [3, 3])
        XCTAssertEqual(conv.ints("pads"), [1, 1, 1, 1])
        XCTAssertEqual(conv.ints("strides"), [2, 2])
        XCTAssertEqual(g.inputs.map(\.name), ["x", "W"])
        XCTAssertEqual(g.inputs[0].dtype, .float32)
        XCTAssertEqual(g.inputs[0].shape, [.fixed(1), .fixed(1), .fixed(7), .fixed(5)])
        XCTAssertEqual(g.inputs[1].shape, [.fixed(1), .fixed(1), .fixed(3), .fixed(3)])
        XCTAssertEqual(g.outputs.map(\.name), ["y"])
        XCTAssertEqual(g.outputs[0].shape, [.fixed(1), .fixed(1), .fixed(4), .fixed(3)])
        if OpRegistry.standard.definition(domain: "", type: "Conv") == nil {
            XCTAssertEqual(result.report.unsupportedOps.map(\.op.description), ["Conv"])
            XCTAssertEqual(result.report.unsupportedOps.first?.nodes.count, 1)
        } else {
            XCTAssert(result.report.isRunnable)
        }
    }

    /// The data set's tensors: x = arange(35) reshaped to 1×1×7×5, W = ones(1,1,3,3)
    /// (onnx/backend/test/case/node/conv.py), y[0,0,0,0] = 0+1+5+6 = 12.
    func testConvDataSet() throws {
        let dir = Self.convDir + "/test_data_set_0"
        guard FileManager.default.fileExists(atPath: dir) else { throw XCTSkip("\(dir) not installed") }
        let x = try TensorProtoIO.read(path: dir + "/input_0.pb")
        XCTAssertEqual(x.dtype, .float32)
        XCTAssertEqual(x.shape, [1, 1, 7, 5])
        XCTAssertEqual(x.floats, (0..<35).map(Float.init))
        let w = try TensorProtoIO.read(path: dir + "/input_1.pb")
        XCTAssertEqual(w.floats, [Float](repeating: 1, count: 9))
        let y = try TensorProtoIO.read(path: dir + "/output_0.pb")
        XCTAssertEqual(y.shape, [1, 1, 4, 3])
        XCTAssertEqual(y.floats.first, 12)
    }
}
