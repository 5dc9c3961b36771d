import ONNXTestSupport
import Foundation
@testable import Importer
import Runtime
import XCTest

/// Every storage form an exporter may use for every supported dtype: raw_data (little-endian)
/// and the typed repeated fields.
final class TensorStorageTests: XCTestCase {
    func decode(_ t: Onnx_TensorProto) throws -> Tensor {
        try TensorProtoIO.tensor(from: t, baseDirectory: nil)
    }

    func bytes(of t: Tensor) -> [UInt8] { t.withUnsafeBytes { Array($0) } }

    func testFloat32() throws {
        var typed = Proto.tensor("w", 1, [2, 2])
        typed.floatData = [1.5, -2, 0, 3.25]
        let a = try decode(typed)
        XCTAssertEqual(a.dtype, .float32)
        XCTAssertEqual(a.shape, [2, 2])
        XCTAssertEqual(a.toArray(Float.self), [1.5, -2, 0, 3.25])
        let b = try decode(Proto.tensor("w", 1, [2, 2], raw: Proto.bytes([Float(1.5), -2, 0, 3.25])))
        XCTAssertEqual(b.toArray(Float.self), [1.5, -2, 0, 3.25])
    }

    func testFloat64() throws {
        var typed = Proto.tensor("d", 11, [3])
        typed.doubleData = [0.1, -1e300, 7]
        XCTAssertEqual(try decode(typed).toArray(Double.self), [0.1, -1e300, 7])
        XCTAssertEqual(try decode(Proto.tensor("d", 11, [3], raw: Proto.bytes([0.1, -1e300, 7.0]))).toArray(Double.self), [0.1, -1e300, 7])
    }

    /// float16 1, -2, 0.5 have bit patterns 0x3C00, 0xC000, 0x3800 (IEEE binary16); the typed
    /// form stores those bits in int32_data.
    func testFloat16() throws {
        var typed = Proto.tensor("h", 10, [3])
        typed.int32Data = [0x3C00, 0xC000, 0x3800]
        let a = try decode(typed)
        XCTAssertEqual(a.dtype, .float16)
        XCTAssertEqual(a.doubles, [1, -2, 0.5])
        let b = try decode(Proto.tensor("h", 10, [3], raw: Proto.bytes([UInt16(0x3C00), 0xC000, 0x3800])))
        XCTAssertEqual(b.doubles, [1, -2, 0.5])
    }

    /// bfloat16 is the top half of float32: 1 → 0x3F80, -2 → 0xC000, 0.5 → 0x3F00.
    func testBFloat16() throws {
        var typed = Proto.tensor("b", 16, [3])
        typed.int32Data = [0x3F80, 0xC000, 0x3F00]
        let a = try decode(typed)
        XCTAssertEqual(a.dtype, .bfloat16)
        XCTAssertEqual(a.doubles, [1, -2, 0.5])
        XCTAssertEqual(try decode(Proto.tensor("b", 16, [3], raw: Proto.bytes([UInt16(0x3F80), 0xC000, 0x3F00]))).doubles, [1, -2, 0.5])
    }

    func testInt64() throws {
        let values: [Int64] = [Int64.min, -1, 0, 1 << 40, Int64.max]
        var typed = Proto.tensor("i", 7, [5])
        typed.int64Data = values
        XCTAssertEqual(try decode(typed).toArray(Int64.self), values)
        XCTAssertEqual(try decode(Proto.tensor("i", 7, [5], raw: Proto.bytes(values))).toArray(Int64.self), values)
    }

    func testInt32() throws {
        let values: [Int32] = [Int32.min, -7, 0, Int32.max]
        var typed = Proto.tensor("i", 6, [4])
        typed.int32Data = values
        XCTAssertEqual(try decode(typed).toArray(Int32.self), values)
        XCTAssertEqual(try decode(Proto.tensor("i", 6, [4], raw: Proto.bytes(values))).toArray(Int32.self), values)
    }

    /// The narrow integer types travel in int32_data, one element per entry.
    func testNarrowIntegersInInt32Data() throws {
        var i16 = Proto.tensor("a", 5, [3]); i16.int32Data = [-32768, -1, 32767]
        XCTAssertEqual(try decode(i16).toArray(Int16.self), [-32768, -1, 32767])
        var i8 = Proto.tensor("b", 3, [3]); i8.int32Data = [-128, -1, 127]
        XCTAssertEqual(try decode(i8).toArray(Int8.self), [-128, -1, 127])
        var u8 = Proto.tensor("c", 2, [3]); u8.int32Data = [0, 128, 255]
        XCTAssertEqual(try decode(u8).toArray(UInt8.self), [0, 128, 255])
        var u16 = Proto.tensor("d", 4, [3]); u16.int32Data = [0, 40000, 65535]
        XCTAssertEqual(try decode(u16).toArray(UInt16.self), [0, 40000, 65535])
        var b = Proto.tensor("e", 9, [4]); b.int32Data = [1, 0, 0, 1]
        let bt = try decode(b)
        XCTAssertEqual(bt.dtype, .bool)
        XCTAssertEqual(bytes(of: bt), [1, 0, 0, 1])
    }

    func testNarrowIntegersInRawData() throws {
        XCTAssertEqual(try decode(Proto.tensor("a", 5, [2], raw: Proto.bytes([Int16(-300), 300]))).toArray(Int16.self), [-300, 300])
        XCTAssertEqual(try decode(Proto.tensor("b", 3, [2], raw: [0xFF, 0x7F])).toArray(Int8.self), [-1, 127])
        XCTAssertEqual(try decode(Proto.tensor("c", 2, [2], raw: [0xFF, 0x01])).toArray(UInt8.self), [255, 1])
        XCTAssertEqual(try decode(Proto.tensor("d", 4, [2], raw: Proto.bytes([UInt16(65535), 2]))).toArray(UInt16.self), [65535, 2])
        XCTAssertEqual(bytes(of: try decode(Proto.tensor("e", 9, [3], raw: [1, 0, 1]))), [1, 0, 1])
    }

    /// uint32 and uint64 travel in uint64_data.
    func testUnsignedWideTypes() throws {
        var u32 = Proto.tensor("a", 12, [2]); u32.uint64Data = [0, 4_000_000_000]
        XCTAssertEqual(try decode(u32).toArray(UInt32.self), [0, 4_000_000_000])
        var u64 = Proto.tensor("b", 13, [2]); u64.uint64Data = [1, UInt64.max]
        XCTAssertEqual(try decode(u64).toArray(UInt64.self), [1, UInt64.max])
        XCTAssertEqual(try decode(Proto.tensor("a", 12, [1], raw: Proto.bytes([UInt32(4_000_000_000)]))).toArray(UInt32.self), [4_000_000_000])
        XCTAssertEqual(try decode(Proto.tensor("b", 13, [1], raw: Proto.bytes([UInt64.max]))).toArray(UInt64.self), [UInt64.max])
    }

    func testScalarAndEmpty() throws {
        var s = Proto.tensor("s", 7, [])
        s.int64Data = [42]
        let t = try decode(s)
        XCTAssertEqual(t.shape, [])
        XCTAssertEqual(t.toArray(Int64.self), [42])
        let e = try decode(Proto.tensor("e", 1, [0, 3]))
        XCTAssertEqual(e.shape, [0, 3])
        XCTAssertEqual(e.count, 0)
    }

    func testRawDataLengthMismatchNamesTensor() {
        let t = Proto.tensor("conv1.weight", 1, [2, 3], raw: [UInt8](repeating: 0, count: 20))
        XCTAssertThrowsError(try TensorProtoIO.tensor(from: t, baseDirectory: nil)) { e in
            let msg = "\(e)"
            XCTAssert(msg.contains("conv1.weight") && msg.contains("20") && msg.contains("24"), msg)
            XCTAssertEqual((e as? ImportError)?.kind, .invalidData)
        }
    }

    func testTypedCountMismatch() {
        var t = Proto.tensor("b", 1, [4])
        t.floatData = [1, 2]
        XCTAssertThrowsError(try decode(t)) { e in
            XCTAssert("\(e)".contains("float_data has 2 elements") && "\(e)".contains("'b'"), "\(e)")
        }
        XCTAssertThrowsError(try decode(Proto.tensor("nodata", 1, [3]))) { e in
            XCTAssert("\(e)".contains("'nodata'") && "\(e)".contains("no data"), "\(e)")
        }
    }

    func testUnsupportedDTypesNameTheTensor() {
        for (code, name) in [(8, "string"), (14, "complex64"), (15, "complex128"), (17, "float8e4m3fn"), (19, "float8e5m2"), (0, "UNDEFINED")] {
            var t = Proto.tensor("tok_\(code)", Int32(code), [1])
            t.int32Data = [0]
            XCTAssertThrowsError(try decode(t)) { e in
                XCTAssertEqual((e as? ImportError)?.kind, .unsupportedDType)
                XCTAssert("\(e)".contains("tok_\(code)") && "\(e)".contains(name), "\(e)")
            }
        }
    }

    /// Corrupt shapes are rejected against the data actually present, never allocated.
    func testHugeShapeWithLittleDataIsAnErrorNotAnAllocation() {
        var t = Proto.tensor("big", 1, [1 << 30, 1 << 20])
        t.floatData = [1]
        XCTAssertThrowsError(try decode(t)) { XCTAssert("\($0)".contains("float_data has 1 elements"), "\($0)") }
        XCTAssertThrowsError(try decode(Proto.tensor("big", 1, [1 << 30, 1 << 20], raw: [0, 0, 0, 0]))) {
            XCTAssert("\($0)".contains("raw_data has 4 bytes"), "\($0)")
        }
        XCTAssertThrowsError(try decode(Proto.tensor("ovf", 1, [1 << 62, 1 << 62], raw: []))) {
            XCTAssert("\($0)".contains("too large"), "\($0)")
        }
    }

    func testNegativeDimension() {
        XCTAssertThrowsError(try decode(Proto.tensor("n", 1, [-1], raw: []))) { e in
            XCTAssert("\(e)".contains("negative dimension"), "\(e)")
        }
    }
}
