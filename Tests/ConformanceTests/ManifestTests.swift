@testable import Conformance
import Runtime
import XCTest

final class ManifestTests: XCTestCase {
    func testParse() throws {
        let m = try Manifest.parse("""
        # comment
        # scope: Abs Add
        # scope: Conv

        pass  test_abs
        exclude test_cast_STRING_to_FLOAT  string tensors are not supported
        """)
        XCTAssertEqual(m.scope, ["Abs", "Add", "Conv"])
        XCTAssertEqual(m.passNames, ["test_abs"])
        XCTAssertEqual(m.excluded.map(\.reason), ["string tensors are not supported"])
    }

    func testMalformedLinesAreErrors() {
        for text in ["exclude test_x", "pass", "maybe test_x", "pass test_x\npass test_x", "pass test_x extra words"] {
            XCTAssertThrowsError(try Manifest.parse(text), text)
        }
    }

    func testTextRoundTrips() throws {
        let m = Manifest(entries: [.pass("test_a"), .exclude("test_b", reason: "op not in scope: B")], scope: ["A"])
        let back = try Manifest.parse(m.text)
        XCTAssertEqual(back.entries, m.entries)
        XCTAssertEqual(back.scope, ["A"])
    }

    /// Generated reasons are refreshed, hand-written ones kept while the test still fails, and
    /// tests that now pass are promoted.
    func testGenerateKeepsHandWrittenReasons() throws {
        let previous = try Manifest.parse("""
        exclude test_hand  known bug: upstream data is wrong
        exclude test_gen  op not in scope: Foo
        exclude test_fixed  known bug: fixed since
        pass  test_ok
        """)
        func o(_ n: String, _ f: (FailureCategory, String)?) -> ConformanceOutcome {
            ConformanceOutcome(name: n, backend: .reference, ops: [], failure: f)
        }
        let m = Manifest.generate(outcomes: [
            o("test_hand", (.fails, "mismatch")), o("test_gen", (.fails, "output 'y' differs")),
            o("test_fixed", nil), o("test_ok", nil), o("test_new", (.exoticDType, "'x' has type tensor(string)")),
        ], scope: [], previous: previous)
        XCTAssertEqual(m.entries, [
            .pass("test_fixed"),
            .exclude("test_gen", reason: "fails: output 'y' differs"),
            .exclude("test_hand", reason: "known bug: upstream data is wrong"),
            .exclude("test_new", reason: "exotic dtype: 'x' has type tensor(string)"),
            .pass("test_ok"),
        ])
    }

    func testCategoryOfReason() {
        XCTAssertEqual(FailureCategory(reason: "fails: x"), .fails)
        XCTAssertEqual(FailureCategory(reason: "op not in scope: If"), .opNotInScope)
        XCTAssertNil(FailureCategory(reason: "failsafe reason"))
        XCTAssertNil(FailureCategory(reason: "known bug"))
    }
}
