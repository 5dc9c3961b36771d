import XCTest
@testable import Runtime

final class MatMulOpsTests: XCTestCase {
    typealias H = NumericOpsHarness

    /// numpy matmul semantics written out: promote 1-D operands, broadcast batch axes,
    /// triple loop, drop the promoted axes.
    static func naiveMatMul(_ a: [Float], _ aShape: [Int], _ b: [Float], _ bShape: [Int]) -> ([Float], [Int]) {
        let am = aShape.count == 1 ? [1] + aShape : aShape, bm = bShape.count == 1 ? bShape + [1] : bShape
        let m = am[am.count - 2], k = am[am.count - 1], n = bm[bm.count - 1]
        let rank = max(am.count, bm.count) - 2
        let ab = [Int](repeating: 1, count: rank - (am.count - 2)) + am.dropLast(2)
        let bb = [Int](repeating: 1, count: rank - (bm.count - 2)) + bm.dropLast(2)
        let batch = zip(ab, bb).map { max($0, $1) }
        var y: [Float] = []
        for bi in 0..<batch.reduce(1, *) {
            let c = H.coords(bi, batch)
            let ai = H.flat(zip(c, ab).map { $1 == 1 ? 0 : $0 }, ab), bj = H.flat(zip(c, bb).map { $1 == 1 ? 0 : $0 }, bb)
            for i in 0..<m {
                for j in 0..<n {
                    var s: Float = 0
                    for p in 0..<k { s += a[(ai * m + i) * k + p] * b[(bj * k + p) * n + j] }
                    y.append(s)
                }
            }
        }
        var shape = batch
        if aShape.count > 1 { shape.append(m) }
        if bShape.count > 1 { shape.append(n) }
        return (y, shape)
    }

    func check(_ aShape: [Int], _ bShape: [Int], seed: UInt64, file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = SeededValues(seed)
        let a = rng.floats(aShape.reduce(1, *)), b = rng.floats(bShape.reduce(1, *))
        let (want, shape) = Self.naiveMatMul(a, aShape, b, bShape)
        let y = try H.run1("MatMul", [Tensor(shape: aShape, floats: a), Tensor(shape: bShape, floats: b)])
        XCTAssertEqual(y.shape, shape, "\(aShape) × \(bShape)", file: file, line: line)
        H.assertClose(y.floats, want, "\(aShape) × \(bShape)", file: file, line: line)
    }

    func testMatMulHandComputed() throws {
        let y = try H.run1("MatMul", [Tensor(shape: [2, 2], floats: [1, 2, 3, 4]), Tensor(shape: [2, 2], floats: [5, 6, 7, 8])])
        XCTAssertEqual(y.floats, [19, 22, 43, 50])
        let dot = try H.run1("MatMul", [Tensor(shape: [3], floats: [1, 2, 3]), Tensor(shape: [3], floats: [4, 5, 6])])
        XCTAssertEqual(dot.shape, [])
        XCTAssertEqual(dot.floats, [32])
    }

    func testMatMulShapes() throws {
        try check([3, 4], [4, 5], seed: 1)
        try check([2, 3, 4], [4, 5], seed: 2)            // shared B: one stacked gemm
        try check([2, 3, 4], [2, 4, 5], seed: 3)
        try check([2, 1, 3, 4], [3, 4, 5], seed: 4)      // both operands broadcast
        try check([4], [2, 4, 5], seed: 5)
        try check([2, 3, 4], [4], seed: 6)
        try check([1, 3, 4], [2, 4, 2], seed: 7)
        try check([3, 0], [0, 2], seed: 8)               // empty inner dimension: zeros
    }

    func testMatMulOtherTypes() throws {
        let a = Tensor(shape: [2, 3], int64s: [1, -2, 3, 4, 5, -6])
        let b = Tensor(shape: [3, 2], int64s: [7, 8, 9, 10, 11, 12])
        // [1·7−2·9+3·11, 1·8−2·10+3·12; 4·7+5·9−6·11, 4·8+5·10−6·12]
        XCTAssertEqual(try H.run1("MatMul", [a, b]).ints, [22, 24, 7, 10])
        let i32 = try H.run1("MatMul", [a.converted(to: .int32), b.converted(to: .int32)])
        XCTAssertEqual(i32.dtype, .int32)
        XCTAssertEqual(i32.ints, [22, 24, 7, 10])
        let f64 = try H.run1("MatMul", [a.converted(to: .float64), b.converted(to: .float64)])
        XCTAssertEqual(f64.doubles, [22, 24, 7, 10])
        XCTAssertEqual(try H.run1("MatMul", [a.converted(to: .float16), b.converted(to: .float16)]).floats, [22, 24, 7, 10])
    }

    func testMatMulRejectsMismatches() {
        XCTAssertThrowsError(try H.run1("MatMul", [Tensor(zeros: [2, 3]), Tensor(zeros: [4, 2])])) { XCTAssert("\($0)".contains("inner"), "\($0)") }
        XCTAssertThrowsError(try H.run1("MatMul", [Tensor(zeros: [2, 2, 3]), Tensor(zeros: [3, 3, 2])]))
        XCTAssertThrowsError(try H.run1("MatMul", [Tensor(zeros: [2, 3]), Tensor(zeros: [3, 2], dtype: .float64)]))
        XCTAssertThrowsError(try H.run1("MatMul", [Tensor(zeros: [2, 3], dtype: .bool), Tensor(zeros: [3, 2], dtype: .bool)]))
    }

    func testGemm() throws {
        var rng = SeededValues(9)
        let (m, k, n) = (3, 4, 5)
        let a = rng.floats(m * k), b = rng.floats(k * n)
        for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
            for cShape in [nil, [], [1], [n], [m, 1], [1, n], [m, n]] as [[Int]?] {
                let c = cShape.map { rng.floats($0.reduce(1, *)) }
                let alpha: Float = 0.5, beta: Float = -2
                // Stored operands: transposed storage holds Aᵀ [k, m] / Bᵀ [n, k].
                let aStored = transA ? (0..<(k * m)).map { a[($0 % m) * k + $0 / m] } : a
                let bStored = transB ? (0..<(n * k)).map { b[($0 % k) * n + $0 / k] } : b
                var want = [Float](repeating: 0, count: m * n)
                for i in 0..<m {
                    for j in 0..<n {
                        var s: Float = 0
                        for p in 0..<k { s += a[i * k + p] * b[p * n + j] }
                        var cv: Float = 0
                        if let c, let cs = cShape {
                            let ci = cs.count == 2 ? (cs[0] == 1 ? 0 : i) * cs[1] + (cs[1] == 1 ? 0 : j) : (c.count == 1 ? 0 : j)
                            cv = c[ci]
                        }
                        want[i * n + j] = alpha * s + beta * cv
                    }
                }
                let y = try H.run1("Gemm", [Tensor(shape: transA ? [k, m] : [m, k], floats: aStored),
                                            Tensor(shape: transB ? [n, k] : [k, n], floats: bStored),
                                            c.map { Tensor(shape: cShape!, floats: $0) }],
                                   ["transA": .int(transA ? 1 : 0), "transB": .int(transB ? 1 : 0),
                                    "alpha": .float(alpha), "beta": .float(beta)])
                XCTAssertEqual(y.shape, [m, n])
                H.assertClose(y.floats, want, "transA \(transA) transB \(transB) C \(String(describing: cShape))")
            }
        }
    }

    func testGemmIntegersAndErrors() throws {
        let a = Tensor(shape: [2, 2], values: [Int32(1), 2, 3, 4]), b = Tensor(shape: [2, 2], values: [Int32(5), 6, 7, 8])
        let c = Tensor(shape: [2], values: [Int32(100), 200])
        XCTAssertEqual(try H.run1("Gemm", [a, b, c]).ints, [119, 222, 143, 250])
        XCTAssertEqual(try H.run1("Gemm", [a, b, c], ["alpha": .float(2), "beta": .float(0.5)]).ints, [88, 144, 136, 200])
        XCTAssertThrowsError(try H.run1("Gemm", [Tensor(zeros: [2, 3]), Tensor(zeros: [2, 3])]))
        XCTAssertThrowsError(try H.run1("Gemm", [Tensor(zeros: [2, 3]), Tensor(zeros: [3, 4]), Tensor(zeros: [3, 4])]))
        XCTAssertThrowsError(try H.run1("Gemm", [Tensor(zeros: [2, 3, 1]), Tensor(zeros: [3, 4])]))
    }
}
