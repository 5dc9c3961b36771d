@testable import Conformance
import Foundation
import Runtime
import XCTest

final class ConformanceSuiteTests: XCTestCase {
    func testOutcomeCategories() throws {
        let data = try SyntheticSuite()
        try data.addStandardTests()
        let suite = ConformanceSuite(root: data.root)
        XCTAssertEqual(try suite.testNames(), ["test_identity_mismatch", "test_identity_pass", "test_sequence_input", "test_unknown_op"])

        XCTAssertNil(suite.run("test_identity_pass", backend: .reference).failure)
        let mismatch = suite.run("test_identity_mismatch", backend: .reference)
        XCTAssertEqual(mismatch.failure?.category, .fails)
        XCTAssert(mismatch.reason?.hasPrefix("fails: test_data_set_1: output 'x': 1 of 3 elements differ") ?? false, "\(String(describing: mismatch.reason))")
        let unknown = suite.run("test_unknown_op", backend: .reference)
        XCTAssertEqual(unknown.reason, "op not in scope: NoSuchOp")
        XCTAssertEqual(unknown.ops, ["NoSuchOp"])
        XCTAssertEqual(suite.run("test_sequence_input", backend: .reference).failure?.category, .nonTensorType)
        XCTAssertEqual(suite.run("test_missing", backend: .reference).failure?.category, .fails)
    }

    /// The ONNX data stores bfloat16 tensors as uint16 bit patterns.
    func testBFloat16DataStoredAsUInt16() throws {
        let data = try SyntheticSuite()
        let b = SyntheticSuite.value("b", 16, [2])
        let bits = SyntheticSuite.tensor(4, [2], raw: [0x80, 0x3F, 0x00, 0xC0]) // 1.0, -2.0 as uint16
        try data.addTest("test_bf16", inputs: [b], outputs: [b], dataSets: [([bits], [bits])])
        XCTAssertNil(ConformanceSuite(root: data.root).run("test_bf16", backend: .reference).failure)
    }

    func testRunnerModesAndOutput() throws {
        let data = try SyntheticSuite()
        try data.addStandardTests()
        let manifestPath = data.root + "/manifest.txt"
        var runner = ConformanceRunner(suite: ConformanceSuite(root: data.root), manifestPath: manifestPath)
        runner.byOp = true
        runner.verbose = true
        var lines: [String] = []
        XCTAssertTrue(try runner.run { lines.append($0) })
        XCTAssertEqual(lines.last, "1 passed, 3 failed")
        XCTAssert(lines.contains("PASS test_identity_pass"))
        XCTAssert(lines.contains("op NoSuchOp: 0/1"), "\(lines)")

        // Write the manifest, with a hand-written reason that must survive.
        runner.mode = .writeManifest
        runner.verbose = false
        runner.prefixes = ["test_identity"]
        try Manifest(entries: [.exclude("test_identity_mismatch", reason: "known bug: tolerance")], scope: []).write(to: manifestPath)
        lines = []
        XCTAssertTrue(try runner.run { lines.append($0) })
        let m = try Manifest.read(path: manifestPath)
        XCTAssertEqual(m.entries, [.exclude("test_identity_mismatch", reason: "known bug: tolerance"), .pass("test_identity_pass")])

        // --manifest runs the pass lines only; --report-new the excluded ones.
        runner.prefixes = []
        runner.mode = .manifest
        lines = []
        XCTAssertTrue(try runner.run { lines.append($0) })
        XCTAssertEqual(lines, ["1 passed, 0 failed"])
        try Manifest(entries: [.pass("test_identity_mismatch"), .exclude("test_identity_pass", reason: "x")], scope: []).write(to: manifestPath)
        lines = []
        XCTAssertFalse(try runner.run { lines.append($0) })
        XCTAssert(lines.first?.hasPrefix("FAIL test_identity_mismatch: fails:") ?? false, "\(lines)")
        runner.mode = .reportNew
        lines = []
        XCTAssertTrue(try runner.run { lines.append($0) })
        XCTAssertEqual(lines, ["NEW PASS test_identity_pass", "1 passed, 0 failed"])
    }

    func testBackendsAreMergedAndNamed() throws {
        let data = try SyntheticSuite()
        try data.addStandardTests()
        var runner = ConformanceRunner(suite: ConformanceSuite(root: data.root), manifestPath: "")
        runner.backends = [.reference, .dnnl]
        let out = try runner.outcomes(["test_identity_pass", "test_identity_mismatch", "test_unknown_op"])
        XCTAssertTrue(out[0].passed)
        XCTAssert(out[1].reason?.hasPrefix("fails: [reference] ") ?? false, "\(String(describing: out[1].reason))")
        XCTAssertEqual(out[2].reason, "op not in scope: NoSuchOp")
    }
}
