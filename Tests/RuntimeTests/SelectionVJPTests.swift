import XCTest
@testable import Runtime

private typealias G = GradCheck

/// CumSum, Compress, ReverseSequence and TopK gradients against finite differences.
final class SelectionVJPTests: XCTestCase {
    let x = G.random([3, 4, 2], seed: 91)

    func testCumSumEveryDirection() throws {
        for axis: Int64 in [0, 1, -1] {
            for exclusive in [0, 1] {
                for reverse in [0, 1] {
                    try G.check("CumSum", [x, Tensor(scalarInt64: axis)], ["exclusive": .int(exclusive), "reverse": .int(reverse)])
                }
            }
        }
    }

    func testCompressAndReverseSequence() throws {
        let cond = Tensor(shape: [4], dtype: .bool, doubles: [1, 0, 1, 1])
        try G.check("Compress", [x, cond], ["axis": .int(1)])
        try G.check("Compress", [x, Tensor(shape: [5], dtype: .bool, doubles: [0, 1, 1, 0, 1])])
        try G.check("ReverseSequence", [x, Tensor(shape: [4], int64s: [3, 1, 0, 2])], ["batch_axis": .int(1), "time_axis": .int(0)])
    }

    func testTopKValues() throws {
        try G.check("TopK", [x, Tensor(shape: [1], int64s: [2])], ["axis": .int(1)], outputs: 2)
        try G.check("TopK", [x, Tensor(shape: [1], int64s: [2])], ["largest": .int(0)], outputs: 2)
        try G.check("TopK", [x], ["k": .int(3), "axis": .int(0)], opset: 9, outputs: 2)
    }
}
