@testable import Runtime
import XCTest

final class OpenMPPoolTests: XCTestCase {
    /// Every index is visited exactly once, in contiguous ranges, whatever the count.
    func testForEachCoversEveryIndexOnce() {
        // The process has libdnnl (and with it libgomp) loaded.
        _ = try? DNNLContext()
        XCTAssertGreaterThanOrEqual(OpenMPPool.threads, 1)
        for count in [0, 1, 2, 3, 7, 100, 1001] {
            let hits = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
            defer { hits.deallocate() }
            hits.initialize(repeating: 0, count: max(count, 1))
            OpenMPPool.forEach(count) { range in
                // Ranges of different threads are disjoint: no two threads write one slot.
                for i in range { hits[i] += 1 }
            }
            XCTAssertEqual((0..<count).filter { hits[$0] != 1 }, [], "count \(count)")
        }
    }

    /// A limit applies to the calling thread only, while `body` runs.
    func testComputeThreadsLimitIsPerThreadAndRestored() throws {
        _ = try? DNNLContext()
        let before = ComputeThreads.available
        ComputeThreads.limited(to: 1) {
            XCTAssertEqual(ComputeThreads.available, 1)
            // Another thread keeps its own count.
            final class Box: @unchecked Sendable { var threads = 0 }
            let other = Box(), done = DispatchSemaphore(value: 0)
            Thread {
                other.threads = ComputeThreads.available
                done.signal()
            }.start()
            done.wait()
            XCTAssertEqual(other.threads, before)
            // Parallel loops inside see one thread.
            var ranges = 0
            OpenMPPool.forEach(100) { _ in ranges += 1 }
            XCTAssertEqual(ranges, 1)
        }
        XCTAssertEqual(ComputeThreads.available, before)
    }
}
