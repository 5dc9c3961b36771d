import Foundation
import Importer
import Runtime
import XCTest

final class SafeTensorsTests: XCTestCase {
    /// tensors.safetensors, written by hand with numpy in make_checkpoint_fixtures.py.
    func testPythonWrittenFile() throws {
        let c = try CheckpointReader.read(path: try CheckpointFixtures.path("tensors.safetensors"))
        XCTAssertEqual(c.format, .safetensors)
        XCTAssertEqual(c.metadata, ["format": "pt", "source": "make_checkpoint_fixtures"])
        XCTAssertEqual(c.skipped, [])
        let sd = c.stateDict
        // In data order, as written.
        XCTAssertEqual(sd.names, ["f32", "f64", "f16", "bf16", "i64", "i32", "i16", "i8", "u8", "bool", "scalar", "empty"])
        XCTAssertEqual(sd["f32"]?.shape, [2, 3])
        XCTAssertEqual(sd["f32"]?.toArray(Float.self), [0, 0.5, 1, 1.5, 2, 2.5])
        XCTAssertEqual(sd["f64"]?.toArray(Double.self), [1.25, -2.5, 1e100])
        XCTAssertEqual(sd["f16"]?.dtype, .float16)
        XCTAssertEqual(sd["f16"]?.doubles, [0.5, -1, 65504])
        XCTAssertEqual(sd["bf16"]?.dtype, .bfloat16)
        XCTAssertEqual(sd["bf16"]?.doubles, [1.5, -2, 256])
        XCTAssertEqual(sd["i64"]?.toArray(Int64.self), [-1, 0, 1 << 40, -(1 << 62)])
        XCTAssertEqual(sd["i32"]?.toArray(Int32.self), [Int32.min, 7, Int32.max])
        XCTAssertEqual(sd["i16"]?.toArray(Int16.self), [-300, 300])
        XCTAssertEqual(sd["i8"]?.toArray(Int8.self), [-128, 127])
        XCTAssertEqual(sd["u8"]?.toArray(UInt8.self), [0, 200, 255])
        XCTAssertEqual(sd["bool"]?.dtype, .bool)
        XCTAssertEqual(sd["bool"]?.withUnsafeBytes { Array($0) }, [1, 0, 1])
        XCTAssertEqual(sd["scalar"]?.shape, [])
        XCTAssertEqual(sd["scalar"]?.toArray(Float.self), [7.5])
        XCTAssertEqual(sd["empty"]?.shape, [0, 3])
    }

    func testRoundTripEveryDType() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let dtypes: [DType] = [.float32, .float64, .float16, .bfloat16, .int64, .int32, .int16, .int8,
                               .uint64, .uint32, .uint16, .uint8, .bool]
        var sd = StateDict()
        for d in dtypes { sd["layer.\(d)"] = Tensor(shape: [2, 3], dtype: d, doubles: [0, 1, 2, 3, 100, 7]) }
        sd["scalar"] = Tensor(scalar: -3.5)
        sd["empty"] = Tensor(zeros: [0, 4])
        let path = dir.appendingPathComponent("w.safetensors").path
        try SafeTensors.write(sd, to: path, metadata: ["epoch": "3"])
        let back = try CheckpointReader.read(path: path)
        XCTAssertEqual(back.stateDict.names, sd.names)
        XCTAssertEqual(back.metadata, ["epoch": "3"])
        for name in sd.names {
            XCTAssertEqual(back.stateDict[name]?.dtype, sd[name]?.dtype, name)
            XCTAssertEqual(back.stateDict[name]?.shape, sd[name]?.shape, name)
            XCTAssertEqual(back.stateDict[name]?.doubles, sd[name]?.doubles, name)
        }
        // Header length (little-endian) is a multiple of 8, and the header is JSON.
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(length % 8, 0)
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: data[8 ..< 8 + length]) as? [String: Any])
        let entry = try XCTUnwrap(header["layer.bfloat16"] as? [String: Any])
        XCTAssertEqual(entry["dtype"] as? String, "BF16")
        XCTAssertEqual(entry["shape"] as? [Int], [2, 3])
    }

    func testStringTensorsCannotBeWritten() {
        var sd = StateDict()
        sd["names"] = Tensor(zeros: [2], dtype: .string)
        XCTAssertThrowsError(try SafeTensors.encode(sd)) { e in
            XCTAssertEqual((e as? CheckpointError)?.tensor, "names")
        }
    }

    /// Each malformed fixture names the file, the tensor and the defect.
    func testMalformedFiles() throws {
        let cases: [(String, CheckpointError.Kind, String?, String)] = [
            ("bad_overlap.safetensors", .corrupt, "b", "data_offsets [4, 12] overlap those of 'a' [0, 8]"),
            ("bad_out_of_range.safetensors", .corrupt, "b", "data_offsets [8, 16] run past the 12-byte data section"),
            ("bad_byte_count.safetensors", .corrupt, "a", "data_offsets [0, 12] hold 12 bytes, but F32[2] needs 8"),
            ("bad_dtype.safetensors", .unsupported, "a", "element type 'F8_E4M3' is not supported"),
            ("bad_header_length.safetensors", .corrupt, nil, "header length 1099511627776 exceeds the 16-byte file"),
        ]
        for (fixture, kind, tensor, message) in cases {
            let e = try XCTUnwrap(try CheckpointFixtures.error(reading: fixture))
            XCTAssertEqual(e.kind, kind, fixture)
            XCTAssertEqual(e.tensor, tensor, fixture)
            XCTAssert(e.description.contains(message), "\(fixture): \(e)")
            XCTAssert(e.description.contains(fixture), "\(fixture): \(e)")
        }
    }

    /// Gaps and trailing bytes in the data section are refused, as by the reference implementation.
    func testHolesAndTrailingBytes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func file(_ header: String, dataBytes: Int) throws -> String {
            var json = Array(header.utf8)
            json += [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8)
            var bytes = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) } + json
            bytes += [UInt8](repeating: 0, count: dataBytes)
            let path = dir.appendingPathComponent("\(UUID().uuidString).safetensors").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
        let gap = try file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, dataBytes: 8)
        XCTAssertThrowsError(try CheckpointReader.read(path: gap)) { e in
            XCTAssert("\(e)".contains("tensor 'a': data_offsets [4, 8] leave bytes 0..<4"), "\(e)")
        }
        let trailing = try file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, dataBytes: 8)
        XCTAssertThrowsError(try CheckpointReader.read(path: trailing)) { e in
            XCTAssert("\(e)".contains("4 bytes after the last tensor"), "\(e)")
        }
        let notObject = try file(#"{"a": [1, 2"#, dataBytes: 0)
        XCTAssertThrowsError(try CheckpointReader.read(path: notObject)) { e in
            XCTAssert("\(e)".contains("not a JSON object"), "\(e)")
        }
    }
}
