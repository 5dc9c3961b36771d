import Foundation
import Runtime
import XCTest

final class NPYTests: XCTestCase {
    func fixture(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: "npy", subdirectory: "Fixtures") else {
            throw XCTSkip("fixture \(name).npy missing from the test bundle")
        }
        return url.path
    }

    /// Fixtures written by numpy (np.save), see the values in each assertion.
    func testNumpyWrittenFiles() throws {
        let f = try NPY.read(path: try fixture("f32_2x3"))   // [[1.5,-2,3],[4,5.25,-6]] float32
        XCTAssertEqual(f.dtype, .float32)
        XCTAssertEqual(f.shape, [2, 3])
        XCTAssertEqual(f.toArray(Float.self), [1.5, -2, 3, 4, 5.25, -6])
        let i = try NPY.read(path: try fixture("i64_4"))     // [-1, 0, 2**40, -2**62] int64
        XCTAssertEqual(i.toArray(Int64.self), [-1, 0, 1 << 40, -(1 << 62)])
        let b = try NPY.read(path: try fixture("bool_2x2"))  // [[True,False],[False,True]]
        XCTAssertEqual(b.dtype, .bool)
        XCTAssertEqual(b.shape, [2, 2])
        XCTAssertEqual(b.withUnsafeBytes { Array($0) }, [1, 0, 0, 1])
        let u = try NPY.read(path: try fixture("u8_scalar")) // np.array(200, dtype=np.uint8)
        XCTAssertEqual(u.shape, [])
        XCTAssertEqual(u.toArray(UInt8.self), [200])
    }

    func testFortranOrderIsRejected() throws {
        XCTAssertThrowsError(try NPY.read(path: try fixture("f32_fortran"))) { e in
            XCTAssert("\(e)".contains("fortran_order"), "\(e)")
        }
    }

    func testRoundTripEveryDType() throws {
        let dir = NSTemporaryDirectory() + "/npy-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let values: [Double] = [0, 1, 2, 3, 100, 7]
        for dtype in [DType.float32, .float64, .float16, .int64, .int32, .int16, .int8, .uint8, .uint16, .uint32, .uint64, .bool] {
            let t = Tensor(shape: [2, 3], dtype: dtype, doubles: values)
            let path = "\(dir)/\(dtype).npy"
            try NPY.write(t, to: path)
            let back = try NPY.read(path: path)
            XCTAssertEqual(back.dtype, dtype)
            XCTAssertEqual(back.shape, [2, 3])
            XCTAssertEqual(back.doubles, t.doubles, "\(dtype)")
        }
        // Only the final files remain: the atomic write's temporary file is gone.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).count, 12)
    }

    func testHeaderIsAlignedAndNumpyCompatible() throws {
        let data = try NPY.encode(Tensor(shape: [3], floats: [1, 2, 3]))
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0)
        XCTAssertEqual(data[10 + headerLength - 1], 0x0A)
        let header = String(decoding: data[10 ..< 10 + headerLength], as: UTF8.self)
        XCTAssert(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"), header)
    }

    /// Versions 2.0 and 3.0 use a 4-byte header length.
    func testVersion2And3Headers() throws {
        for version: UInt8 in [2, 3] {
            var header = "{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }"
            header += String(repeating: " ", count: 64 - (12 + header.utf8.count + 1) % 64) + "\n"
            var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0])
            let n = header.utf8.count
            data.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8), 0, 0])
            data.append(contentsOf: Array(header.utf8))
            data.append(contentsOf: [0x05, 0x00, 0xFF, 0xFF]) // 5, -1
            let t = try NPY.decode(data)
            XCTAssertEqual(t.toArray(Int16.self), [5, -1], "version \(version)")
        }
    }

    func testErrors() {
        XCTAssertThrowsError(try NPY.decode(Data("not npy".utf8))) { XCTAssert("\($0)".contains("magic"), "\($0)") }
        var bigEndian = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let h = "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }\n"
        bigEndian.append(contentsOf: [UInt8(h.utf8.count), 0])
        bigEndian.append(contentsOf: Array(h.utf8) + [0, 0, 0, 0])
        XCTAssertThrowsError(try NPY.decode(bigEndian)) { XCTAssert("\($0)".contains("big-endian"), "\($0)") }
        var truncated = try! NPY.encode(Tensor(shape: [4], floats: [1, 2, 3, 4]))
        truncated.removeLast(3)
        XCTAssertThrowsError(try NPY.decode(truncated)) { XCTAssert("\($0)".contains("truncated"), "\($0)") }
        XCTAssertThrowsError(try NPY.read(path: "/nonexistent.npy")) { XCTAssert("\($0)".contains("/nonexistent.npy"), "\($0)") }
    }
}
