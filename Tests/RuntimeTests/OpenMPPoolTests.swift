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
}
