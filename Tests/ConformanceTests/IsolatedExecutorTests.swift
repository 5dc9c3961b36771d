@testable import Conformance
import Foundation
import Runtime
import XCTest

/// The crash/hang isolation, with a shell script standing in for the worker.
final class IsolatedExecutorTests: XCTestCase {
    /// Reads names; "crash" kills the worker with SIGSEGV, "hang" sleeps, others pass.
    static let script = """
    while read name; do
      case "$name" in
        crash) kill -SEGV $$ ;;
        hang) exec sleep 30 ;;
        *) printf 'RESULT\\t%s\\tPASS\\tRelu\\t\\n' "$name" ;;
      esac
    done
    """

    func testCrashAndHangFailOnlyTheirTest() throws {
        guard FileManager.default.fileExists(atPath: "/bin/sh") else { throw XCTSkip("no /bin/sh") }
        let executor = IsolatedExecutor(executable: "/bin/sh", timeout: 2, workerArguments: ["-c", Self.script])
        var outcomes: [ConformanceOutcome] = []
        try executor.run(["a", "crash", "b", "hang", "c"], backend: .reference) { outcomes.append($0) }
        XCTAssertEqual(outcomes.map(\.name), ["a", "crash", "b", "hang", "c"])
        XCTAssertEqual(outcomes.map(\.passed), [true, false, true, false, true])
        XCTAssert(outcomes[1].reason?.contains("crashed (signal 11)") ?? false, "\(String(describing: outcomes[1].reason))")
        XCTAssert(outcomes[3].reason?.contains("timed out") ?? false, "\(String(describing: outcomes[3].reason))")
        XCTAssertEqual(outcomes[0].ops, ["Relu"])
    }

    func testWorkerProtocolRoundTrip() {
        let o = ConformanceOutcome(name: "test_x", backend: .dnnl, ops: ["Add", "Mul"], failure: (.fails, "line one\nline\ttwo"))
        let back = WorkerProtocol.parse(WorkerProtocol.line(o), backend: .dnnl)
        XCTAssertEqual(back?.name, "test_x")
        XCTAssertEqual(back?.ops, ["Add", "Mul"])
        XCTAssertEqual(back?.reason, "fails: line one line two")
        XCTAssertNil(WorkerProtocol.parse("some log line", backend: .dnnl))
    }
}
