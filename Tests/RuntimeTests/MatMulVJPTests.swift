import XCTest
@testable import Runtime

/// MatMul (batch broadcasting, 1-D operands) and Gemm (transA/transB, alpha, beta, C
/// broadcast) gradients against central finite differences in float64.
final class MatMulVJPTests: XCTestCase {
    private func r(_ shape: [Int], _ seed: UInt64) -> Tensor { GradCheck.random(shape, seed: seed) }

    func testMatMulShapes() throws {
        let cases: [([Int], [Int])] = [
            ([3, 4], [4, 5]), ([2, 3, 4], [4, 5]), ([3, 4], [2, 4, 5]), ([2, 1, 3, 4], [3, 4, 2]),
            ([4], [4, 5]), ([2, 3, 4], [4]), ([4], [4]), ([1, 3, 4], [2, 4, 2]), ([2, 2, 3], [2, 3, 2]),
        ]
        for (i, (a, b)) in cases.enumerated() {
            try GradCheck.check("MatMul", [r(a, UInt64(2 * i + 1)), r(b, UInt64(2 * i + 2))])
        }
    }

    func testGemmTransposesAlphaBetaAndCBroadcast() throws {
        var seed: UInt64 = 100
        for transA in [0, 1] {
            for transB in [0, 1] {
                seed += 3
                let a = transA == 1 ? [4, 3] : [3, 4], b = transB == 1 ? [5, 4] : [4, 5]
                try GradCheck.check("Gemm", [r(a, seed), r(b, seed + 1), r([3, 5], seed + 2)],
                                    ["transA": .int(transA), "transB": .int(transB), "alpha": .float(0.5), "beta": .float(2)])
            }
        }
        for (i, c) in [[5], [3, 1], [], [1, 5], [1]].enumerated() {
            try GradCheck.check("Gemm", [r([3, 4], 200 + UInt64(i)), r([4, 5], 210 + UInt64(i)), r(c, 220 + UInt64(i))],
                                ["beta": .float(-1.5)])
        }
        try GradCheck.check("Gemm", [r([3, 4], 230), r([5, 4], 231)], ["transB": .int(1), "alpha": .float(-2)])
    }
}
