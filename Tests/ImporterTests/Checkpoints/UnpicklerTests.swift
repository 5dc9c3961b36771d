import Foundation
@testable import Importer
import XCTest

/// The restricted pickle machine on hand-assembled byte strings (opcodes per CPython's
/// pickletools; offsets are positions in these arrays).
final class UnpicklerTests: XCTestCase {
    func load(_ bytes: [UInt8]) throws -> PickleValue {
        try bytes.withUnsafeBytes { raw in
            var u = Unpickler(bytes: raw, file: "test.pth", entry: "data.pkl")
            return try u.load()
        }
    }

    func error(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> CheckpointError? {
        do {
            let v = try load(bytes)
            XCTFail("loaded \(v.kind) but should have failed", file: file, line: line)
        } catch let e as CheckpointError {
            return e
        } catch {
            XCTFail("expected a CheckpointError, got \(error)", file: file, line: line)
        }
        return nil
    }

    func testScalarsAndMemoSharing() throws {
        // PROTO 2, EMPTY_LIST, BINPUT 0, BININT1 7, APPEND, MARK, BINGET 0, LONG1 -32768,
        // BINFLOAT 0.5, NEWTRUE, NONE, SHORT_BINUNICODE "hé", BININT -2, BININT2 513, TUPLE, STOP:
        // the list recalled from the memo holds the item appended after it was stored.
        let v = try load([0x80, 0x02, 0x5D, 0x71, 0x00, 0x4B, 0x07, 0x61,
                          0x28, 0x68, 0x00, 0x8A, 0x02, 0x00, 0x80,
                          0x47, 0x3F, 0xE0, 0, 0, 0, 0, 0, 0, 0x88, 0x4E,
                          0x8C, 0x03, 0x68, 0xC3, 0xA9, 0x4A, 0xFE, 0xFF, 0xFF, 0xFF, 0x4D, 0x01, 0x02, 0x74, 0x2E])
        guard case .tuple(let items) = v, items.count == 8 else { return XCTFail("got \(v.kind)") }
        guard case .list(let list) = items[0], case .int(7) = list.items.first else { return XCTFail("memoized list lost its item") }
        guard case .int(-32768) = items[1], case .float(0.5) = items[2], case .bool(true) = items[3], case .none = items[4],
              case .string("hé") = items[5], case .int(-2) = items[6], case .int(513) = items[7] else {
            return XCTFail("decoded \(items.map(\.keyText))")
        }
    }

    func testWideLongIsKeptAsBigInt() throws {
        // LONG1 of 9 bytes: 2**70.
        let v = try load([0x80, 0x02, 0x8A, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x2E])
        guard case .bigInt = v else { return XCTFail("got \(v.kind)") }
    }

    func testUnknownOpcodeByte() throws {
        let e = try XCTUnwrap(error([0x80, 0x02, 0xFF, 0x2E]))
        XCTAssertEqual(e.kind, .refused)
        XCTAssertEqual(e.description, "test.pth: data.pkl byte 2: unknown pickle opcode 0xff")
    }

    func testStructuralErrors() throws {
        let cases: [([UInt8], String)] = [
            ([0x80, 0x02, 0x7D], "byte 3: the pickle ends without STOP"),
            ([0x80, 0x02, 0x68, 0x05, 0x2E], "byte 2: memo entry 5 was never stored"),
            ([0x80, 0x02, 0x73, 0x2E], "byte 2: stack underflow"),                          // SETITEM on nothing
            ([0x80, 0x02, 0x58, 0xFF, 0, 0, 0, 0x2E], "byte 2: 255-byte operand runs past the end"),
            ([0x80, 0x02, 0x28, 0x74, 0x74, 0x2E], "byte 4: no MARK on the stack"),
            ([0x80, 0x06, 0x2E], "byte 0: pickle protocol 6"),
        ]
        for (bytes, message) in cases {
            let e = try XCTUnwrap(error(bytes))
            XCTAssert(e.description.contains(message), "\(bytes): \(e)")
        }
    }

    func testOnlyDictsAndListsAcceptItems() throws {
        // EMPTY_LIST, BININT1 1, BININT1 2, SETITEM
        let e = try XCTUnwrap(error([0x80, 0x02, 0x5D, 0x4B, 0x01, 0x4B, 0x02, 0x73, 0x2E]))
        XCTAssertEqual(e.kind, .refused)
        XCTAssert(e.description.contains("byte 7: SETITEM on a list"), e.description)
        // EMPTY_DICT, EMPTY_LIST, BUILD
        let b = try XCTUnwrap(error([0x80, 0x02, 0x7D, 0x5D, 0x62, 0x2E]))
        XCTAssert(b.description.contains("byte 4: BUILD with a list state"), b.description)
    }

    func testAllowedGlobalsAreNotCallableBeyondTheirRole() throws {
        // GLOBAL 'torch FloatStorage', EMPTY_TUPLE, REDUCE
        let global = Array("ctorch\nFloatStorage\n".utf8)
        let e = try XCTUnwrap(error([0x80, 0x02] + global + [0x29, 0x52, 0x2E]))
        XCTAssertEqual(e.kind, .refused)
        XCTAssert(e.description.contains("calling torch storage of float32 is not allowed"), e.description)
        // A persistent id that is not a storage: BINUNICODE "x", BINPERSID.
        let p = try XCTUnwrap(error([0x80, 0x02, 0x58, 1, 0, 0, 0, 0x78, 0x51, 0x2E]))
        XCTAssertEqual(p.kind, .refused)
        XCTAssert(p.description.contains("byte 8: persistent id x is not a ('storage'"), p.description)
    }

    func testNestedModuleGlobalsAreRefused() throws {
        for (module, name) in [("__builtin__", "eval"), ("torch", "load"), ("torch._utils", "_rebuild_qtensor"), ("collections", "deque")] {
            let e = try XCTUnwrap(error([0x80, 0x02] + Array("c\(module)\n\(name)\n".utf8) + [0x2E]))
            XCTAssert(e.description.contains("byte 2: refused global '\(module).\(name)'"), e.description)
        }
    }
}
