import ONNXTestSupport
import Foundation
@testable import Importer
import Runtime
import XCTest

/// Every rejection names the file and what was expected.
final class ImportErrorTests: XCTestCase {
    func importError(_ data: Data, file: StaticString = #filePath, line: UInt = #line) -> ImportError? {
        do {
            _ = try ONNXImporter.load(data: data, baseDirectory: nil, sourceName: "bad.onnx")
            XCTFail("import succeeded", file: file, line: line)
            return nil
        } catch let e as ImportError {
            XCTAssertEqual(e.file, "bad.onnx", file: file, line: line)
            XCTAssert(e.description.hasPrefix("bad.onnx: "), e.description, file: file, line: line)
            return e
        } catch {
            XCTFail("unexpected error type: \(error)", file: file, line: line)
            return nil
        }
    }

    func validModel() -> Onnx_ModelProto {
        var w = Proto.tensor("W", 1, [64])
        w.floatData = [Float](repeating: 1, count: 64)
        return Proto.model(nodes: [Proto.node("Add", ["x", "W"], ["y"])], inputs: [Proto.value("x", 1, [64])],
                           outputs: [Proto.value("y", 1, [64])], initializers: [w])
    }

    func testEmptyFile() {
        let e = importError(Data())
        XCTAssertEqual(e?.kind, .notONNX)
        XCTAssert(e?.message.contains("empty") ?? false, "\(String(describing: e))")
    }

    func testTruncatedProtobuf() throws {
        let full = try validModel().serializedData()
        let e = importError(full.prefix(full.count / 2))
        XCTAssertEqual(e?.kind, .notONNX)
        XCTAssert(e?.message.contains("truncated or corrupt") ?? false, "\(String(describing: e))")
    }

    func testPNGIsNotONNX() {
        // PNG signature + the start of an IHDR chunk.
        let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52,
                        0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0])
        let e = importError(png)
        XCTAssertEqual(e?.kind, .notONNX)
        XCTAssert(e?.message.contains("not an ONNX model") ?? false, "\(String(describing: e))")
    }

    func testTextIsNotONNX() {
        let e = importError(Data("hello, this is a plain text file\nwith two lines\n".utf8))
        XCTAssertEqual(e?.kind, .notONNX)
        XCTAssert(e?.message.contains("not an ONNX model") ?? false, "\(String(describing: e))")
    }

    func testMissingGraphOrOpset() throws {
        var m = validModel()
        m.opsetImport = []
        XCTAssert(importError(try m.serializedData())?.message.contains("no opset_import") ?? false)
        var n = Onnx_ModelProto()
        n.irVersion = 8
        XCTAssert(importError(try n.serializedData())?.message.contains("no graph") ?? false)
    }

    func testUnsupportedInitializerDType() throws {
        var s = Proto.tensor("vocab", 8, [1])
        s.stringData = [Data("hi".utf8)]
        let e = importError(try Proto.modelWithInitializer(s).serializedData())
        XCTAssertEqual(e?.kind, .unsupportedDType)
        XCTAssert(e?.message.contains("'vocab'") ?? false, "\(String(describing: e))")
        XCTAssert(e?.message.contains("string") ?? false, "\(String(describing: e))")
        var c = Proto.tensor("cplx", 14, [1])
        c.floatData = [1, 2]
        let e2 = importError(try Proto.modelWithInitializer(c).serializedData())
        XCTAssert(e2?.message.contains("'cplx'") ?? false && e2?.message.contains("complex64") ?? false, "\(String(describing: e2))")
    }

    func testRawDataLengthMismatch() throws {
        let t = Proto.tensor("fc.bias", 1, [10], raw: [UInt8](repeating: 0, count: 36))
        let e = importError(try Proto.modelWithInitializer(t).serializedData())
        XCTAssertEqual(e?.kind, .invalidData)
        XCTAssert(e?.message.contains("'fc.bias'") ?? false && e?.message.contains("36") ?? false && e?.message.contains("40") ?? false,
                  "\(String(describing: e))")
    }

    func testAttributeTensorErrorNamesNodeAndAttribute() throws {
        var bad = Proto.tensor("", 1, [3])
        bad.floatData = [1]
        let m = Proto.model(nodes: [Proto.node("Constant", [], ["c"], name: "k", attributes: [Attr.tensor("value", bad)])],
                            inputs: [], outputs: [Proto.value("c")])
        let e = importError(try m.serializedData())
        XCTAssert(e?.message.contains("Constant 'k'") ?? false && e?.message.contains("'value'") ?? false, "\(String(describing: e))")
    }

    func testSequenceGraphInputIsRejected() throws {
        var seq = Onnx_ValueInfoProto()
        seq.name = "items"
        var st = Onnx_TypeProto.Sequence()
        st.elemType = Proto.tensorType(1, nil)
        seq.type.sequenceType = st
        var map = Onnx_ValueInfoProto()
        map.name = "dict"
        var mt = Onnx_TypeProto.Map()
        mt.keyType = 7
        mt.valueType = Proto.tensorType(1, nil)
        map.type.mapType = mt
        for (input, type) in [(seq, "seq(tensor(float32))"), (map, "map(int64,tensor(float32))")] {
            let m = Proto.model(nodes: [Proto.node("Identity", [input.name], ["y"])], inputs: [input], outputs: [Proto.value("y")])
            let e = importError(try m.serializedData())
            XCTAssertEqual(e?.kind, .unsupportedType)
            XCTAssert(e?.message.contains("'\(input.name)'") ?? false && e?.message.contains(type) ?? false, "\(String(describing: e))")
        }
    }

    func testMissingFile() {
        XCTAssertThrowsError(try ONNXImporter.load(path: "/nonexistent/dir/model.onnx")) { e in
            XCTAssertEqual((e as? ImportError)?.kind, .io)
            XCTAssert("\(e)".contains("/nonexistent/dir/model.onnx") && "\(e)".contains("not found"), "\(e)")
        }
    }
}
