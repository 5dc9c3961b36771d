import Plugins
import Runtime
import XCTest

final class WeightBinderTests: XCTestCase {
    func testReportsMissingUnexpectedAndMisshapedAndLoadsTheRest() {
        let source = StateDict([("a.weight", Tensor(shape: [2], floats: [1, 2])),
                                ("b.weight", Tensor(shape: [3], floats: [1, 2, 3])),
                                ("extra", Tensor(scalar: 0))])
        var binder = WeightBinder(source, seed: 1)
        XCTAssertEqual(binder.parameter("a.weight", shape: [2], initializer: .zeros).floats, [1, 2])
        XCTAssertEqual(binder.parameter("b.weight", shape: [2, 2], initializer: .ones).floats, [1, 1, 1, 1])
        XCTAssertEqual(binder.parameter("c.bias", shape: [1], initializer: .constant(5)).floats, [5])
        let report = binder.finish()
        XCTAssertEqual(report.loaded, ["a.weight"])
        XCTAssertEqual(report.missing, ["c.bias"])
        XCTAssertEqual(report.unexpected, ["extra"])
        XCTAssertEqual(report.misshaped, [.init(name: "b.weight", expected: [2, 2], got: [3])])
        XCTAssertFalse(report.isExact)
    }

    func testKaimingInitialisationHasTheRequestedSpread() {
        var binder = WeightBinder(seed: 7)
        let w = binder.parameter("w", shape: [64, 32, 3, 3], initializer: .kaimingNormal(fanIn: 32 * 9)).floats
        let std = (w.map { Double($0 * $0) }.reduce(0, +) / Double(w.count)).squareRoot()
        // sqrt(2 / 288) = 0.0833; 18,432 samples put the estimate within ~1%.
        XCTAssertEqual(std, (2.0 / 288).squareRoot(), accuracy: 0.003)
        XCTAssertTrue(binder.finish().isExact, "a fresh network has nothing to report")
    }

    func testBuffersAreOptionalAndAcknowledgedEntriesAreNotUnexpected() {
        let source = StateDict([("noise", Tensor(shape: [2], floats: [7, 8])), ("bn.num_batches_tracked", Tensor(scalarInt64: 3)),
                                ("w", Tensor(shape: [1], floats: [1]))])
        var binder = WeightBinder(source, seed: 1)
        XCTAssertEqual(binder.buffer("noise", shape: [2], initializer: .zeros).floats, [7, 8])
        XCTAssertEqual(binder.buffer("other.noise", shape: [2], initializer: .constant(4)).floats, [4, 4])
        binder.acknowledge("bn.num_batches_tracked")
        binder.acknowledge("absent")
        let report = binder.finish()
        XCTAssertEqual(report.loaded, ["noise"])
        XCTAssertEqual(report.missing, [], "an absent buffer is seeded, not missing")
        XCTAssertEqual(report.unexpected, ["w"])
    }
}
