@testable import Conformance
import Runtime
import XCTest

final class TensorComparisonTests: XCTestCase {
    func mismatch(_ a: Tensor, _ e: Tensor) -> String? { TensorComparison.mismatch(actual: a, expected: e) }

    /// |a − b| ≤ 1e-7 + 1e-3·|b|: for b = 1000 the bound is 1.0000001.
    func testFloatTolerance() {
        let e = Tensor(shape: [2], floats: [1000, 0])
        XCTAssertNil(mismatch(Tensor(shape: [2], floats: [1000.999, 0]), e))
        XCTAssertNil(mismatch(Tensor(shape: [2], floats: [1000, 5e-8]), e))
        let m = mismatch(Tensor(shape: [2], floats: [1001.5, 0]), e)
        XCTAssert(m?.contains("1 of 2 elements differ") ?? false && m?.contains("[0]") ?? false, "\(String(describing: m))")
        XCTAssertNotNil(mismatch(Tensor(shape: [2], floats: [1000, 1e-6]), e))
    }

    func testNaNAndInfinity() {
        let e = Tensor(shape: [3], floats: [.nan, .infinity, -.infinity])
        XCTAssertNil(mismatch(Tensor(shape: [3], floats: [.nan, .infinity, -.infinity]), e))
        XCTAssertNotNil(mismatch(Tensor(shape: [3], floats: [0, .infinity, -.infinity]), e))
        XCTAssertNotNil(mismatch(Tensor(shape: [3], floats: [.nan, -.infinity, -.infinity]), e))
        XCTAssertNotNil(mismatch(Tensor(shape: [3], floats: [.nan, 1e30, -.infinity]), e))
        XCTAssertNotNil(mismatch(Tensor(shape: [3], floats: [.nan, .infinity, .nan]), e))
    }

    func testDTypeAndShapeMustMatch() {
        let e = Tensor(shape: [2], floats: [1, 2])
        XCTAssertEqual(mismatch(Tensor(shape: [2], dtype: .float64, doubles: [1, 2]), e), "dtype float64, expected float32")
        XCTAssertEqual(mismatch(Tensor(shape: [1, 2], floats: [1, 2]), e), "shape [1, 2], expected [2]")
    }

    /// Integers compare exactly, also beyond 2^53 where doubles would round.
    func testIntegersAreExact() {
        let big: Int64 = (1 << 60) + 1
        let e = Tensor(shape: [2], int64s: [big, 5])
        XCTAssertNil(mismatch(Tensor(shape: [2], int64s: [big, 5]), e))
        XCTAssertNotNil(mismatch(Tensor(shape: [2], int64s: [big - 1, 5]), e))
        let m = mismatch(Tensor(shape: [2], int64s: [big, 6]), e)
        XCTAssert(m?.contains("got 6, expected 5") ?? false, "\(String(describing: m))")
        XCTAssertNotNil(mismatch(Tensor(shape: [2], dtype: .bool, doubles: [1, 0]), Tensor(shape: [2], dtype: .bool, doubles: [1, 1])))
    }

    func testIndexFormatting() {
        XCTAssertEqual(TensorComparison.index(5, [2, 3]), "[1, 2]")
        XCTAssertEqual(TensorComparison.index(0, []), "[]")
    }
}
