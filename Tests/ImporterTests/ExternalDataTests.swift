import ONNXTestSupport
import Foundation
@testable import Importer
import Runtime
import XCTest

/// `data_location: EXTERNAL` tensors: location/offset/length relative to the model's
/// directory.
final class ExternalDataTests: XCTestCase {
    func externalTensor(_ name: String, dims: [Int64], location: String, offset: Int? = nil, length: Int? = nil) -> Onnx_TensorProto {
        var t = Proto.tensor(name, 1, dims)
        t.dataLocation = .external
        var entries: [(String, String)] = [("location", location)]
        if let offset { entries.append(("offset", String(offset))) }
        if let length { entries.append(("length", String(length))) }
        t.externalData = entries.map { k, v in
            var e = Onnx_StringStringEntryProto()
            e.key = k
            e.value = v
            return e
        }
        return t
    }

    /// Writes the model into a fresh directory together with `weights.bin` holding 8 bytes
    /// of padding then the floats 1…6, and loads it from its path.
    func loadWithSideFile(_ t: Onnx_TensorProto) throws -> (TempDir, Result<ImportResult, Error>) {
        let dir = try TempDir()
        try FileManager.default.createDirectory(atPath: dir.path + "/data", withIntermediateDirectories: true)
        var bytes = [UInt8](repeating: 0xAB, count: 8)
        bytes += Proto.bytes([Float(1), 2, 3, 4, 5, 6])
        try Data(bytes).write(to: URL(fileURLWithPath: dir.path + "/data/weights.bin"))
        let path = dir.path + "/model.onnx"
        try Proto.modelWithInitializer(t).serializedData().write(to: URL(fileURLWithPath: path))
        return (dir, Result { try ONNXImporter.load(path: path) })
    }

    func testOffsetAndLength() throws {
        let (_, r) = try loadWithSideFile(externalTensor("w", dims: [2, 2], location: "data/weights.bin", offset: 12, length: 16))
        let w = try r.get().model.graph.initializers["w"]
        XCTAssertEqual(w?.shape, [2, 2])
        XCTAssertEqual(w?.toArray(Float.self), [2, 3, 4, 5])
    }

    func testWithoutLengthReadsToEndOfFile() throws {
        let (_, r) = try loadWithSideFile(externalTensor("w", dims: [6], location: "data/weights.bin", offset: 8))
        XCTAssertEqual(try r.get().model.graph.initializers["w"]?.toArray(Float.self), [1, 2, 3, 4, 5, 6])
    }

    func testMissingFileNamesTensorAndPath() throws {
        let (_, r) = try loadWithSideFile(externalTensor("encoder.w", dims: [2], location: "nope.bin"))
        XCTAssertThrowsError(try r.get()) { e in
            XCTAssert("\(e)".contains("'encoder.w'") && "\(e)".contains("nope.bin") && "\(e)".contains("not found"), "\(e)")
        }
    }

    func testLengthMismatch() throws {
        let (_, r) = try loadWithSideFile(externalTensor("w", dims: [3], location: "data/weights.bin", offset: 8, length: 8))
        XCTAssertThrowsError(try r.get()) { e in
            XCTAssert("\(e)".contains("'w'") && "\(e)".contains("needs 12"), "\(e)")
        }
    }

    func testRangePastEndOfFile() throws {
        let (_, r) = try loadWithSideFile(externalTensor("w", dims: [6], location: "data/weights.bin", offset: 16, length: 24))
        XCTAssertThrowsError(try r.get()) { e in XCTAssert("\(e)".contains("past its end"), "\(e)") }
    }

    func testPathsEscapingTheModelDirectoryAreRejected() throws {
        for location in ["../weights.bin", "data/../../etc/passwd", "/etc/passwd"] {
            let (_, r) = try loadWithSideFile(externalTensor("w", dims: [1], location: location))
            XCTAssertThrowsError(try r.get(), location) { e in
                XCTAssert("\(e)".contains("escapes the model's directory") || "\(e)".contains("is absolute"), "\(e)")
            }
        }
    }

    func testSymlinkOutOfTheDirectoryIsRejected() throws {
        let outside = try TempDir()
        try Data(Proto.bytes([Float(1)])).write(to: URL(fileURLWithPath: outside.path + "/secret.bin"))
        let dir = try TempDir()
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/link.bin", withDestinationPath: outside.path + "/secret.bin")
        let path = dir.path + "/model.onnx"
        try Proto.modelWithInitializer(externalTensor("w", dims: [1], location: "link.bin")).serializedData()
            .write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try ONNXImporter.load(path: path)) { e in
            XCTAssert("\(e)".contains("escapes"), "\(e)")
        }
    }

    func testNoBaseDirectory() throws {
        let data = try Proto.modelWithInitializer(externalTensor("w", dims: [1], location: "w.bin")).serializedData()
        XCTAssertThrowsError(try ONNXImporter.load(data: data, baseDirectory: nil, sourceName: "mem")) { e in
            XCTAssert("\(e)".contains("'w'") && "\(e)".contains("not loaded from a directory"), "\(e)")
        }
    }
}
