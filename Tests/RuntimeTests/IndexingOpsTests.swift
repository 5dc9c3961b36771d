import XCTest
import Runtime

private typealias H = DataOpHarness

final class IndexingOpsTests: XCTestCase {
    // MARK: Slice

    func testSliceAttributesBeforeOpset10() throws {
        // x[0:1, 1:3] of iota([2, 4]).
        let y = try H.run1("Slice", [H.iota([2, 4])], ["starts": .ints([0, 1]), "ends": .ints([1, 3])], opset: 9)
        H.check(y, [1, 2], [1, 2])
        let axes = try H.run1("Slice", [H.iota([2, 4])], ["starts": .ints([-2]), "ends": .ints([1000]), "axes": .ints([1])], opset: 1)
        H.check(axes, [2, 2], [2, 3, 6, 7])
    }

    func testSliceInputsWithStepsAndClamping() throws {
        let x = H.iota([10])
        // numpy x[-1:-100:-3] (end clamps to -1, i.e. before the first element).
        H.check(try H.run1("Slice", [x, H.i64([-1]), H.i64([Int(Int64.min)]), H.i64([0]), H.i64([-3])]), [4], [9, 6, 3, 0])
        // numpy x[1:1000:4].
        H.check(try H.run1("Slice", [x, H.i64([1]), H.i64([Int(Int64.max)]), nil, H.i64([4])]), [3], [1, 5, 9])
        // Start beyond the end → empty.
        XCTAssertEqual(try H.run1("Slice", [x, H.i64([20]), H.i64([30])]).shape, [0])
        // 2-D, negative axis, step 2 on columns: iota([3, 5])[:, ::2] reversed → [:, 4::-2].
        let m = try H.run1("Slice", [H.iota([3, 5]), H.i64([4]), H.i64([-6]), H.i64([-1]), H.i64([-2])])
        H.check(m, [3, 3], [4, 2, 0, 9, 7, 5, 14, 12, 10])
        let ints = Tensor(shape: [4], int64s: [5, 6, 7, 8])
        XCTAssertEqual(try H.run1("Slice", [ints, H.i64([1]), H.i64([3])]).toArray(Int64.self), [6, 7])
        // Extreme steps select one element instead of overflowing.
        H.check(try H.run1("Slice", [x, H.i64([2]), H.i64([9]), nil, H.i64([Int(Int64.max)])]), [1], [2])
        H.check(try H.run1("Slice", [x, H.i64([-1]), H.i64([Int(Int64.min)]), nil, H.i64([Int(Int64.min)])]), [1], [9])
        H.expectError(.invalidArgument, "must not be 0") { try H.run1("Slice", [x, H.i64([0]), H.i64([3]), nil, H.i64([0])]) }
    }

    // MARK: Gather family

    func testGather() throws {
        let x = H.f([3, 2], [1, 2, 3, 4, 5, 6])
        H.check(try H.run1("Gather", [x, H.i64([2, -3])]), [2, 2], [5, 6, 1, 2])
        // axis 1 with 2-D indices: out[i, a, b] = x[i, idx[a, b]].
        let idx = Tensor(shape: [1, 2], values: [Int32(1), 0])
        H.check(try H.run1("Gather", [x, idx], ["axis": .int(1)]), [3, 1, 2], [2, 1, 4, 3, 6, 5])
        // Scalar index drops the axis.
        H.check(try H.run1("Gather", [x, Tensor(scalarInt64: 1)]), [2], [3, 4])
        H.expectError(.invalidArgument, "out of range") { try H.run1("Gather", [x, H.i64([3])]) }
    }

    func testGatherElements() throws {
        // ONNX doc example: axis 1.
        let y = try H.run1("GatherElements", [H.f([2, 2], [1, 2, 3, 4]), Tensor(shape: [2, 2], int64s: [0, 0, 1, 0])],
                           ["axis": .int(1)])
        H.check(y, [2, 2], [1, 1, 4, 3])
        // Axis 0 with a negative index and fewer columns than the data.
        let z = try H.run1("GatherElements", [H.iota([3, 3]), Tensor(shape: [2, 2], int64s: [-1, 0, 1, 2])])
        H.check(z, [2, 2], [6, 1, 3, 7])
    }

    func testGatherND() throws {
        // ONNX doc examples 1, 2 and 5 (batch_dims = 1).
        let d = Tensor(shape: [2, 2], values: [Int32(0), 1, 2, 3])
        XCTAssertEqual(try H.run1("GatherND", [d, Tensor(shape: [2, 2], int64s: [0, 0, 1, 1])]).toArray(Int32.self), [0, 3])
        let rows = try H.run1("GatherND", [d, Tensor(shape: [2, 1], int64s: [1, 0])])
        XCTAssertEqual(rows.shape, [2, 2])
        XCTAssertEqual(rows.toArray(Int32.self), [2, 3, 0, 1])
        let batched = try H.run1("GatherND", [H.iota([2, 2, 2]), Tensor(shape: [2, 1], int64s: [1, 0])], ["batch_dims": .int(1)])
        H.check(batched, [2, 2], [2, 3, 4, 5])
    }

    // MARK: Scatter family

    func testScatterElementsAndReduction() throws {
        // ONNX doc example 1 (axis 0).
        let y = try H.run1("ScatterElements", [Tensor(zeros: [3, 3]), Tensor(shape: [2, 3], int64s: [1, 0, 2, 0, 2, 1]),
                                               H.f([2, 3], [1, 1.1, 1.2, 2, 2.1, 2.2])])
        H.check(y, [3, 3], [2, 1.1, 0, 1, 0, 2.2, 0, 2.1, 1.2])
        // Duplicate indices with reduction add: 2 + 1.1 + 2.1 = 5.2.
        let add = try H.run1("ScatterElements", [H.f([1, 5], [1, 2, 3, 4, 5]), Tensor(shape: [1, 2], int64s: [1, 1]),
                                                 H.f([1, 2], [1.1, 2.1])], ["axis": .int(1), "reduction": .string("add")])
        H.check(add, [1, 5], [1, 5.2, 3, 4, 5])
        let mx = try H.run1("ScatterElements", [Tensor(shape: [3], int64s: [5, 5, 5]), H.i64([0, -1]), H.i64([9, 1])],
                            ["reduction": .string("max")])
        XCTAssertEqual(mx.toArray(Int64.self), [9, 5, 5])
        // The old name, opset 10.
        H.check(try H.run1("Scatter", [Tensor(zeros: [3]), H.i64([2]), H.f([1], [7])], opset: 10), [3], [0, 0, 7])
    }

    func testScatterND() throws {
        // ONNX doc example 1.
        let y = try H.run1("ScatterND", [H.f([8], [1, 2, 3, 4, 5, 6, 7, 8]), Tensor(shape: [4, 1], int64s: [4, 3, 1, 7]),
                                         H.f([4], [9, 10, 11, 12])])
        H.check(y, [8], [1, 11, 3, 10, 9, 6, 7, 12])
        // Whole rows, multiplied.
        let rows = try H.run1("ScatterND", [H.f([2, 2], [1, 2, 3, 4]), Tensor(shape: [1, 1], int64s: [1]), H.f([1, 2], [10, 100])],
                              ["reduction": .string("mul")])
        H.check(rows, [2, 2], [1, 2, 30, 400])
    }

    // MARK: OneHot / Trilu

    func testOneHot() throws {
        // Index -1 wraps to depth - 1; 3 is out of range and stays all "off".
        let y = try H.run1("OneHot", [H.i64([0, -1, 3]), H.f([], [3]), H.f([2], [-1, 5])])
        H.check(y, [3, 3], [5, -1, -1, -1, -1, 5, -1, -1, -1])
        let axis0 = try H.run1("OneHot", [H.f([2], [1, 0]), Tensor(scalarInt64: 2), Tensor(shape: [2], int64s: [0, 1])],
                               ["axis": .int(0)])
        XCTAssertEqual(axis0.shape, [2, 2])
        XCTAssertEqual(axis0.toArray(Int64.self), [0, 1, 1, 0])
    }

    func testTrilu() throws {
        let x = H.f([3, 4], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
        // numpy.triu(x, 1) and numpy.tril(x, -1).
        H.check(try H.run1("Trilu", [x, Tensor(scalarInt64: 1)]), [3, 4], [0, 2, 3, 4, 0, 0, 7, 8, 0, 0, 0, 12])
        H.check(try H.run1("Trilu", [x, Tensor(scalarInt64: -1)], ["upper": .int(0)]), [3, 4], [0, 0, 0, 0, 5, 0, 0, 0, 9, 10, 0, 0])
        H.check(try H.run1("Trilu", [x]), [3, 4], [1, 2, 3, 4, 0, 6, 7, 8, 0, 0, 11, 12])
        H.check(try H.run1("Trilu", [x, Tensor(scalarInt64: 10)]), [3, 4], [Double](repeating: 0, count: 12))
    }
}
