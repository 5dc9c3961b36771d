import ONNXTestSupport
import Foundation
@testable import Importer
import Runtime
import XCTest

/// Serialized TensorProto files (the conformance data's input_N.pb / output_N.pb).
final class TensorProtoFileTests: XCTestCase {
    func testReadWrittenFile() throws {
        var t = Proto.tensor("x", 7, [2])
        t.int64Data = [3, -4]
        let dir = try TempDir()
        let path = dir.path + "/input_0.pb"
        try t.serializedData().write(to: URL(fileURLWithPath: path))
        let x = try TensorProtoIO.read(path: path)
        XCTAssertEqual(x.toArray(Int64.self), [3, -4])
    }

    func testMissingAndCorruptFiles() throws {
        XCTAssertThrowsError(try TensorProtoIO.read(path: "/nonexistent/input_0.pb")) { e in
            XCTAssert("\(e)".contains("/nonexistent/input_0.pb"), "\(e)")
        }
        let dir = try TempDir()
        let path = dir.path + "/bad.pb"
        try Data([0x0A, 0xFF, 0xFF]).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try TensorProtoIO.read(path: path)) { e in
            XCTAssert("\(e)".contains("bad.pb"), "\(e)")
        }
    }
}

/// A temporary directory removed when the test object goes away.
final class TempDir {
    let path: String
    init() throws {
        path = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("seeing-importer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
