import Foundation
import Importer
import XCTest

/// Pickles that would run code under torch.load: each must be refused, naming the global or
/// opcode and its byte offset in data.pkl (offsets from pickletools.dis of the fixtures).
final class MaliciousCheckpointTests: XCTestCase {
    func testOsSystemIsRefused() throws {
        let e = try XCTUnwrap(try CheckpointFixtures.error(reading: "os_system.pth"))
        XCTAssertEqual(e.kind, .refused)
        XCTAssert(e.description.contains("refused global 'posix.system'"), e.description)
        XCTAssert(e.description.contains("archive/data.pkl byte 18"), e.description) // GLOBAL 'posix system'
    }

    func testBuiltinsEvalIsRefused() throws {
        let e = try XCTUnwrap(try CheckpointFixtures.error(reading: "eval.pth"))
        XCTAssertEqual(e.kind, .refused)
        XCTAssert(e.description.contains("refused global 'builtins.eval'"), e.description)
        XCTAssert(e.description.contains("byte 40"), e.description) // STACK_GLOBAL (protocol 4)
    }

    func testUnsupportedOpcodeIsRefused() throws {
        let e = try XCTUnwrap(try CheckpointFixtures.error(reading: "unknown_opcode.pth"))
        XCTAssertEqual(e.kind, .refused)
        XCTAssert(e.description.contains("unsupported pickle opcode INST ('i')"), e.description)
        XCTAssert(e.description.contains("byte 3"), e.description)
    }

    func testSelfContainingListIsRefused() throws {
        let e = try XCTUnwrap(try CheckpointFixtures.error(reading: "cyclic.pth"))
        XCTAssertEqual(e.kind, .corrupt)
        XCTAssert(e.description.contains("nested deeper than"), e.description)
    }
}
