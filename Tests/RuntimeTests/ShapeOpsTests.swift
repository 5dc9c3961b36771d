import XCTest
import Runtime

private typealias H = DataOpHarness

final class ShapeOpsTests: XCTestCase {
    // MARK: views

    func testReshapeCopiesZeroAndInfersMinusOneWithoutCopying() throws {
        let x = H.iota([2, 3, 4])
        let y = try H.run1("Reshape", [x, H.i64([0, -1])])
        XCTAssertEqual(y.shape, [2, 12])
        XCTAssertTrue(y.storage === x.storage, "Reshape should share storage")
        XCTAssertEqual(y.floats, x.floats)
    }

    func testReshapeAllowZeroKeepsZeroDimension() throws {
        let x = Tensor(zeros: [0, 3], dtype: .float32)
        let y = try H.run1("Reshape", [x, H.i64([3, 0])], ["allowzero": .int(1)])
        XCTAssertEqual(y.shape, [3, 0])
    }

    func testReshapeErrors() {
        H.expectError(.invalidArgument, "more than one -1") { try H.run1("Reshape", [H.iota([6]), H.i64([-1, -1])]) }
        H.expectError(.invalidArgument, "cannot reshape") { try H.run1("Reshape", [H.iota([6]), H.i64([4, 2])]) }
    }

    func testFlatten() throws {
        let x = H.iota([2, 3, 4])
        XCTAssertEqual(try H.run1("Flatten", [x], ["axis": .int(0)]).shape, [1, 24])
        XCTAssertEqual(try H.run1("Flatten", [x]).shape, [2, 12])
        XCTAssertEqual(try H.run1("Flatten", [x], ["axis": .int(-1)]).shape, [6, 4])
        XCTAssertEqual(try H.run1("Flatten", [x], ["axis": .int(3)]).shape, [24, 1])
    }

    func testSqueezeAttributeInputAndAll() throws {
        let x = H.iota([1, 3, 1])
        XCTAssertEqual(try H.run1("Squeeze", [x], ["axes": .ints([0])], opset: 11).shape, [3, 1])
        XCTAssertEqual(try H.run1("Squeeze", [x, H.i64([-1])], opset: 13).shape, [1, 3])
        XCTAssertEqual(try H.run1("Squeeze", [x], opset: 13).shape, [3])
        H.expectError(.invalidArgument, "not 1") { try H.run1("Squeeze", [x, H.i64([1])]) }
    }

    func testUnsqueezeAttributeAndInput() throws {
        let x = H.iota([2, 3])
        XCTAssertEqual(try H.run1("Unsqueeze", [x], ["axes": .ints([0, 3])], opset: 11).shape, [1, 2, 3, 1])
        XCTAssertEqual(try H.run1("Unsqueeze", [x, H.i64([-1])], opset: 13).shape, [2, 3, 1])
        XCTAssertEqual(try H.run1("Unsqueeze", [x, H.i64([3, 0])], opset: 13).shape, [1, 2, 3, 1])
        H.expectError(.invalidArgument, "duplicates") { try H.run1("Unsqueeze", [x, H.i64([0, -4])]) }
    }

    func testIdentitySharesStorage() throws {
        let x = H.iota([3])
        XCTAssertTrue(try H.run1("Identity", [x]).storage === x.storage)
    }

    // MARK: Transpose

    func testTranspose2D() throws {
        H.check(try H.run1("Transpose", [H.iota([2, 3])]), [3, 2], [0, 3, 1, 4, 2, 5])
    }

    func testTransposeDefaultReversesAxes() throws {
        // y[k, j, i] = x[i, j, k] with x = iota([2, 3, 4]) → x[i,j,k] = 12i + 4j + k.
        let y = try H.run1("Transpose", [H.iota([2, 3, 4])])
        XCTAssertEqual(y.shape, [4, 3, 2])
        var expected: [Double] = []
        for k in 0..<4 { for j in 0..<3 { for i in 0..<2 { expected.append(Double(12 * i + 4 * j + k)) } } }
        H.check(y, [4, 3, 2], expected)
    }

    /// Larger than one 32×32 tile in both directions, with ragged edges, and the NCHW ↔ NHWC
    /// permutations in several element sizes; expected values from the index formula.
    func testTransposeTiledAndLayoutPermutationsForAllElementSizes() throws {
        let (n, c, h, w) = (2, 37, 5, 9)
        let values = (0..<(n * c * h * w)).map { Double($0 % 251) }
        for dtype in [DType.float32, .int64, .uint8, .float16, .bool] {
            let raw = dtype == .bool ? values.map { $0.truncatingRemainder(dividingBy: 2) } : values
            let x = Tensor(shape: [n, c, h, w], dtype: dtype, doubles: raw)
            let nhwc = try H.run1("Transpose", [x], ["perm": .ints([0, 2, 3, 1])])
            XCTAssertEqual(nhwc.dtype, dtype)
            var expected: [Double] = []
            for b in 0..<n { for y in 0..<h { for xx in 0..<w { for ch in 0..<c {
                expected.append(raw[((b * c + ch) * h + y) * w + xx])
            } } } }
            H.check(nhwc, [n, h, w, c], expected)
            let back = try H.run1("Transpose", [nhwc], ["perm": .ints([0, 3, 1, 2])])
            H.check(back, [n, c, h, w], raw)
        }
        let big = H.iota([70, 45])
        let t = try H.run1("Transpose", [big])
        var expected: [Double] = []
        for j in 0..<45 { for i in 0..<70 { expected.append(Double(i * 45 + j)) } }
        H.check(t, [45, 70], expected)
    }

    func testTransposeRejectsBadPerm() {
        H.expectError(.invalidArgument, "not a permutation") { try H.run1("Transpose", [H.iota([2, 3])], ["perm": .ints([0, 0])]) }
    }

    // MARK: Concat / Split

    func testConcat() throws {
        let a = H.f([2, 1], [1, 2]), b = H.f([2, 2], [3, 4, 5, 6])
        H.check(try H.run1("Concat", [a, b], ["axis": .int(1)]), [2, 3], [1, 3, 4, 2, 5, 6])
        H.check(try H.run1("Concat", [b, b], ["axis": .int(-2)]), [4, 2], [3, 4, 5, 6, 3, 4, 5, 6])
        let e = Tensor(zeros: [2, 0], dtype: .float32)
        H.check(try H.run1("Concat", [e, a, e], ["axis": .int(1)]), [2, 1], [1, 2])
        let i = Tensor(shape: [1, 2], values: [Int32(7), 8])
        let ci = try H.run1("Concat", [i, i], ["axis": .int(0)])
        XCTAssertEqual(ci.toArray(Int32.self), [7, 8, 7, 8])
        H.expectError(.invalidArgument, "does not match") { try H.run1("Concat", [a, H.iota([3, 1])], ["axis": .int(1)]) }
    }

    func testSplitEqualAttributeInputAndNumOutputs() throws {
        let x = H.iota([2, 6])
        let eq = try H.run("Split", [x], ["axis": .int(1)], opset: 13, outputs: 3)
        H.check(eq[1], [2, 2], [2, 3, 8, 9])
        let attr = try H.run("Split", [x], ["axis": .int(1), "split": .ints([1, 5])], opset: 11, outputs: 2)
        H.check(attr[0], [2, 1], [0, 6])
        H.check(attr[1], [2, 5], [1, 2, 3, 4, 5, 7, 8, 9, 10, 11])
        let input = try H.run("Split", [x, H.i64([4, 0, 2])], ["axis": .int(-1)], opset: 13, outputs: 3)
        XCTAssertEqual(input.map(\.shape), [[2, 4], [2, 0], [2, 2]])
        // Opset 18: 5 rows into 3 → chunks of ceil(5/3) = 2, last one 1.
        let uneven = try H.run("Split", [H.iota([5])], ["num_outputs": .int(3)], opset: 18, outputs: 3)
        XCTAssertEqual(uneven.map(\.floats), [[0, 1], [2, 3], [4]])
        H.expectError(.invalidArgument, "equal parts") { try H.run("Split", [H.iota([5])], opset: 13, outputs: 2) }
    }

    // MARK: Expand / Tile

    func testExpandBroadcastsBothWays() throws {
        // [3, 1] → [2, 1, 4] gives [2, 3, 4]: x[j] repeated along the new and the unit axes.
        let y = try H.run1("Expand", [H.f([3, 1], [1, 2, 3]), H.i64([2, 1, 4])])
        H.check(y, [2, 3, 4], (0..<2).flatMap { _ in [1.0, 2, 3].flatMap { [Double](repeating: $0, count: 4) } })
        H.expectError(.invalidArgument, "cannot be broadcast") { try H.run1("Expand", [H.iota([3]), H.i64([2])]) }
    }

    func testTile() throws {
        let y = try H.run1("Tile", [H.f([2, 2], [1, 2, 3, 4]), H.i64([2, 3])])
        H.check(y, [4, 6], [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4])
        let b = Tensor(shape: [2], dtype: .bool, doubles: [1, 0])
        XCTAssertEqual(try H.run1("Tile", [b, H.i64([2])]).toArray(Bool.self), [true, false, true, false])
    }

    // MARK: metadata

    func testShapeWithStartEndAndSize() throws {
        let x = Tensor(zeros: [3, 4, 5], dtype: .uint8)
        XCTAssertEqual(try H.run1("Shape", [x]).toArray(Int64.self), [3, 4, 5])
        XCTAssertEqual(try H.run1("Shape", [x], ["start": .int(1)], opset: 15).toArray(Int64.self), [4, 5])
        XCTAssertEqual(try H.run1("Shape", [x], ["start": .int(-10), "end": .int(-1)], opset: 15).toArray(Int64.self), [3, 4])
        XCTAssertEqual(try H.run1("Shape", [x], ["start": .int(2), "end": .int(1)], opset: 15).shape, [0])
        let size = try H.run1("Size", [x])
        XCTAssertEqual(size.shape, [])
        XCTAssertEqual(size.toArray(Int64.self), [60])
    }

    // MARK: Dropout

    func testDropoutInferenceAndMask() throws {
        let x = H.f([2], [1, -2])
        let outs = try H.run("Dropout", [x], opset: 13, outputs: 2)
        XCTAssertTrue(outs[0].storage === x.storage)
        XCTAssertEqual(outs[1].dtype, .bool)
        XCTAssertEqual(outs[1].toArray(Bool.self), [true, true])
        let old = try H.run("Dropout", [x], ["ratio": .float(0.3)], opset: 7, outputs: 2)
        XCTAssertEqual(old[1].floats, [1, 1])
        let noTraining = try H.run("Dropout", [x, H.f([], [0.5]), Tensor(shape: [], dtype: .bool, doubles: [0])], opset: 13)
        XCTAssertEqual(noTraining[0].floats, [1, -2])
        H.expectError(.unsupportedOp, "training mode") {
            try H.run("Dropout", [x, H.f([], [0.5]), Tensor(shape: [], dtype: .bool, doubles: [1])], opset: 13)
        }
    }

    // MARK: constants

    func testConstantOfShape() throws {
        let z = try H.run1("ConstantOfShape", [H.i64([2, 3])])
        H.check(z, [2, 3], [Double](repeating: 0, count: 6))
        XCTAssertEqual(z.dtype, .float32)
        let sevens = try H.run1("ConstantOfShape", [H.i64([2])], ["value": .tensor(Tensor(shape: [1], int64s: [7]))])
        XCTAssertEqual(sevens.toArray(Int64.self), [7, 7])
        XCTAssertEqual(try H.run1("ConstantOfShape", [H.i64([0])]).shape, [0])
    }

    func testRange() throws {
        // ceil((4 - 10) / -3) = 2 elements: 10, 7.
        let i = try H.run1("Range", [Tensor(shape: [], values: [Int32(10)]), Tensor(shape: [], values: [Int32(4)]),
                                    Tensor(shape: [], values: [Int32(-3)])])
        XCTAssertEqual(i.toArray(Int32.self), [10, 7])
        // ceil((2 - 1) / 0.3) = 4 elements.
        H.check(try H.run1("Range", [H.f([], [1]), H.f([], [2]), H.f([], [0.3])]), [4], [1, 1.3, 1.6, 1.9])
        XCTAssertEqual(try H.run1("Range", [H.f([], [5]), H.f([], [1]), H.f([], [1])]).shape, [0])
        H.expectError(.invalidArgument, "non-zero delta") { try H.run1("Range", [H.f([], [0]), H.f([], [1]), H.f([], [0])]) }
    }

    func testConstantAttributes() throws {
        XCTAssertEqual(try H.run1("Constant", [], ["value": .tensor(H.f([2], [1, 2]))]).floats, [1, 2])
        let f = try H.run1("Constant", [], ["value_float": .float(2.5)])
        XCTAssertEqual(f.shape, [])
        XCTAssertEqual(f.floats, [2.5])
        XCTAssertEqual(try H.run1("Constant", [], ["value_floats": .floats([1, 2])]).floats, [1, 2])
        XCTAssertEqual(try H.run1("Constant", [], ["value_int": .int(3)]).toArray(Int64.self), [3])
        XCTAssertEqual(try H.run1("Constant", [], ["value_ints": .ints([4, 5])]).toArray(Int64.self), [4, 5])
        H.expectError(.unsupportedOp, "value_string") { try H.run1("Constant", [], ["value_string": .string("a")]) }
    }

    // MARK: DepthToSpace / SpaceToDepth

    func testDepthToSpaceModesAndSpaceToDepthInverse() throws {
        let x = H.iota([1, 8, 2, 3])
        // numpy: x.reshape(1,2,2,2,2,3).transpose(0,3,4,1,5,2).reshape(1,2,4,6) (ONNX doc example).
        let dcr = try H.run1("DepthToSpace", [x], ["blocksize": .int(2)])
        H.check(dcr, [1, 2, 4, 6], [0, 12, 1, 13, 2, 14, 24, 36, 25, 37, 26, 38, 3, 15, 4, 16, 5, 17, 27, 39, 28, 40, 29, 41,
                                    6, 18, 7, 19, 8, 20, 30, 42, 31, 43, 32, 44, 9, 21, 10, 22, 11, 23, 33, 45, 34, 46, 35, 47])
        // numpy: x.reshape(1,2,2,2,2,3).transpose(0,1,4,2,5,3).reshape(1,2,4,6).
        let crd = try H.run1("DepthToSpace", [x], ["blocksize": .int(2), "mode": .string("CRD")])
        H.check(crd, [1, 2, 4, 6], [0, 6, 1, 7, 2, 8, 12, 18, 13, 19, 14, 20, 3, 9, 4, 10, 5, 11, 15, 21, 16, 22, 17, 23,
                                    24, 30, 25, 31, 26, 32, 36, 42, 37, 43, 38, 44, 27, 33, 28, 34, 29, 35, 39, 45, 40, 46, 41, 47])
        // SpaceToDepth is the inverse of DCR DepthToSpace.
        H.check(try H.run1("SpaceToDepth", [dcr], ["blocksize": .int(2)]), [1, 8, 2, 3], x.doubles)
        H.expectError(.invalidArgument, "blocksize") { try H.run1("SpaceToDepth", [H.iota([1, 1, 3, 3])], ["blocksize": .int(2)]) }
    }
}
