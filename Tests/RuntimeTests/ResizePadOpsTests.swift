import XCTest
import Runtime

private typealias H = DataOpHarness

final class ResizePadOpsTests: XCTestCase {
    // MARK: Pad

    func testPadConstantAttributeAndInputForms() throws {
        let x = H.f([2, 2], [1, 2, 3, 4])
        // Opset 2: pads [begin0, begin1, end0, end1] = [0, 1, 1, 0], value 9.
        let old = try H.run1("Pad", [x], ["pads": .ints([0, 1, 1, 0]), "value": .float(9)], opset: 2)
        H.check(old, [3, 3], [9, 1, 2, 9, 3, 4, 9, 9, 9])
        let new = try H.run1("Pad", [x, H.i64([0, 1, 1, 0]), H.f([], [9])], opset: 13)
        H.check(new, [3, 3], [9, 1, 2, 9, 3, 4, 9, 9, 9])
        let zero = try H.run1("Pad", [x, H.i64([1, 0, 0, 0])], opset: 13)
        H.check(zero, [3, 2], [0, 0, 1, 2, 3, 4])
        let ints = try H.run1("Pad", [Tensor(shape: [2], int64s: [1, 2]), H.i64([1, 1]), Tensor(shape: [], int64s: [-7])])
        XCTAssertEqual(ints.toArray(Int64.self), [-7, 1, 2, -7])
    }

    func testPadModesMatchNumpy() throws {
        let x = H.f([3], [1, 2, 3])
        // numpy.pad([1, 2, 3], (2, 2), mode=…)
        H.check(try H.run1("Pad", [x, H.i64([2, 2])], ["mode": .string("reflect")]), [7], [3, 2, 1, 2, 3, 2, 1])
        H.check(try H.run1("Pad", [x, H.i64([2, 2])], ["mode": .string("edge")]), [7], [1, 1, 1, 2, 3, 3, 3])
        H.check(try H.run1("Pad", [x, H.i64([2, 2])], ["mode": .string("wrap")], opset: 19), [7], [2, 3, 1, 2, 3, 1, 2])
        // numpy.pad(iota(2,3), ((1,0),(0,2)), mode="reflect")
        let m = try H.run1("Pad", [H.iota([2, 3]), H.i64([1, 0, 0, 2])], ["mode": .string("reflect")])
        H.check(m, [3, 5], [3, 4, 5, 4, 3, 0, 1, 2, 1, 0, 3, 4, 5, 4, 3])
        H.expectError(.invalidArgument, "mode must be") { try H.run1("Pad", [x, H.i64([1, 1])], ["mode": .string("mirror")]) }
    }

    func testPadNegativeCropsAndAxes() throws {
        // [1, 2, 3, 4] with begin -1, end +1 → drop the first, append a 0.
        H.check(try H.run1("Pad", [H.f([4], [1, 2, 3, 4]), H.i64([-1, 1])]), [4], [2, 3, 4, 0])
        H.check(try H.run1("Pad", [H.f([4], [1, 2, 3, 4]), H.i64([-1, 1])], ["mode": .string("edge")]), [4], [2, 3, 4, 4])
        // Opset 18 axes: pad only the last axis of iota([2, 2]) by one column on each side.
        let y = try H.run1("Pad", [H.iota([2, 2]), H.i64([1, 1]), nil, H.i64([-1])])
        H.check(y, [2, 4], [0, 0, 1, 0, 0, 2, 3, 0])
        H.expectError(.invalidArgument, "crop more") { try H.run1("Pad", [H.iota([2]), H.i64([-2, -1])]) }
    }

    // MARK: Resize, nearest

    func testResizeNearestHalfPixelRoundPreferFloor() throws {
        // Source coordinates (o + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 → 0, 0, 1, 1.
        let y = try H.run1("Resize", [H.f([1, 1, 2, 2], [1, 2, 3, 4]), nil, H.f([4], [1, 1, 2, 2])], ["mode": .string("nearest")])
        H.check(y, [1, 1, 4, 4], [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    }

    func testResizeNearestModesAndIntegerData() throws {
        let x = H.f([1, 3], [1, 2, 3])
        // Values from the ONNX reference implementation (onnx.reference, Resize-19).
        let ceil = try H.run1("Resize", [x, nil, nil, H.i64([1, 8])], ["mode": .string("nearest"), "nearest_mode": .string("ceil")])
        H.check(ceil, [1, 8], [1, 2, 2, 2, 3, 3, 3, 3])
        let rpc = try H.run1("Resize", [x, nil, nil, H.i64([1, 8])],
                             ["mode": .string("nearest"), "nearest_mode": .string("round_prefer_ceil"),
                              "coordinate_transformation_mode": .string("asymmetric")])
        H.check(rpc, [1, 8], [1, 1, 2, 2, 3, 3, 3, 3])
        let u8 = Tensor(shape: [1, 2], dtype: .uint8, doubles: [7, 200])
        let y = try H.run1("Resize", [u8, nil, H.f([2], [1, 2])], ["mode": .string("nearest")])
        XCTAssertEqual(y.dtype, .uint8)
        XCTAssertEqual(y.toArray(UInt8.self), [7, 7, 200, 200])
    }

    func testResizeKeepAspectRatioWithAxes() throws {
        // sizes [7, 8] on axes [2, 3] of a 2×2 image, not_larger → scale 3.5, output 7×7
        // (round_half_up(3.5 · 2)); values from the ONNX reference implementation.
        let y = try H.run1("Resize", [H.f([1, 1, 2, 2], [1, 2, 3, 4]), nil, nil, H.i64([7, 8])],
                           ["mode": .string("nearest"), "axes": .ints([2, 3]), "keep_aspect_ratio_policy": .string("not_larger")])
        let row1: [Double] = [1, 1, 1, 1, 2, 2, 2], row3: [Double] = [3, 3, 3, 3, 4, 4, 4]
        H.check(y, [1, 1, 7, 7], Array([[Double]](repeating: row1, count: 4).joined()) + Array([[Double]](repeating: row3, count: 3).joined()))
    }

    func testResizeOpset10AndUpsampleUseAsymmetricNearest() throws {
        let x = H.f([1, 1, 2, 4], [1, 2, 3, 4, 5, 6, 7, 8])
        // Downsampling by 0.6: output 1×2; column coordinate 1 / 0.6 ≈ 1.67 rounds up to 2.
        H.check(try H.run1("Resize", [x, H.f([4], [1, 1, 0.6, 0.6])], opset: 10), [1, 1, 1, 2], [1, 3])
        let small = H.f([1, 1, 2, 2], [1, 2, 3, 4])
        let expected: [Double] = [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4]
        H.check(try H.run1("Upsample", [small, H.f([4], [1, 1, 2, 3])], opset: 9), [1, 1, 4, 6], expected)
        H.check(try H.run1("Upsample", [small], ["scales": .floats([1, 1, 2, 3])], opset: 7), [1, 1, 4, 6], expected)
        // Linear upsampling, asymmetric: x / 2 → [1, 1.5, 2, 2] per row.
        let lin = try H.run1("Upsample", [H.f([1, 2], [1, 2])], ["mode": .string("linear"), "scales": .floats([1, 2])], opset: 7)
        H.check(lin, [1, 4], [1, 1.5, 2, 2])
    }

    // MARK: Resize, linear and cubic

    func testResizeBilinearHalfPixelAndAlignCorners() throws {
        let x = H.f([1, 1, 2, 2], [1, 2, 3, 4])
        // ONNX test_resize_upsample_scales_linear (hand-checkable: 0.25/0.75 weights).
        let y = try H.run1("Resize", [x, nil, H.f([4], [1, 1, 2, 2])], ["mode": .string("linear")])
        H.check(y, [1, 1, 4, 4], [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4])
        let ac = try H.run1("Resize", [x, nil, nil, H.i64([1, 1, 3, 3])],
                            ["mode": .string("linear"), "coordinate_transformation_mode": .string("align_corners")])
        H.check(ac, [1, 1, 3, 3], [1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4])
        // With scales the reference divides by scale·length - 1 = 1.4, not by 1 (ONNX test data).
        let down = try H.run1("Resize", [H.f([1, 1, 2, 4], [1, 2, 3, 4, 5, 6, 7, 8]), nil, H.f([4], [1, 1, 0.6, 0.6])],
                              ["mode": .string("linear"), "coordinate_transformation_mode": .string("align_corners")])
        H.check(down, [1, 1, 1, 2], [1, 3.142857])
    }

    func testResizeCoordinateModesFromReference() throws {
        let x = H.f([1, 4], [1, 2, 3, 4])
        // Values from the ONNX reference implementation.
        let pt = try H.run1("Resize", [x, nil, nil, H.i64([1, 3])],
                            ["mode": .string("linear"), "coordinate_transformation_mode": .string("pytorch_half_pixel")])
        H.check(pt, [1, 3], [1.166667, 2.5, 3.833333])
        let hps = try H.run1("Resize", [x, nil, H.f([2], [1, 0.6])],
                             ["mode": .string("linear"), "coordinate_transformation_mode": .string("half_pixel_symmetric")])
        H.check(hps, [1, 2], [1.666667, 3.333333])
        // uint8 results round to nearest: 0.75·0 + 0.25·255 = 63.75 → 64.
        let u8 = try H.run1("Resize", [Tensor(shape: [1, 3], dtype: .uint8, doubles: [0, 255, 10]), nil, H.f([2], [1, 2])],
                            ["mode": .string("linear")])
        XCTAssertEqual(u8.toArray(UInt8.self), [0, 64, 191, 194, 71, 10])
    }

    private let grid = H.f([1, 1, 4, 4], (1...16).map(Float.init))

    func testResizeCubic() throws {
        // Values from the ONNX reference implementation (A = -0.75, half_pixel).
        let up = try H.run1("Resize", [grid, nil, H.f([4], [1, 1, 1, 1.5])], ["mode": .string("cubic")])
        let row: [Double] = [0.913195, 1.40625, 2.212965, 2.787037, 3.59375, 4.086807]
        H.check(up, [1, 1, 4, 6], (0..<4).flatMap { r in row.map { $0 + 4 * Double(r) } }, accuracy: 1e-4)
        let down = try H.run1("Resize", [grid, nil, H.f([4], [1, 1, 0.8, 0.8])],
                              ["mode": .string("cubic"), "exclude_outside": .int(1), "cubic_coeff_a": .float(-0.5)])
        H.check(down, [1, 1, 3, 3], [1.368127, 2.669501, 4.013337, 6.573626, 7.875, 9.218835, 11.948966, 13.250341, 14.594176],
                accuracy: 1e-4)
    }

    func testResizeAntialias() throws {
        // Values from the ONNX reference implementation (Resize-18, antialias = 1).
        let lin = try H.run1("Resize", [grid, nil, H.f([4], [1, 1, 0.5, 0.5])], ["mode": .string("linear"), "antialias": .int(1)])
        H.check(lin, [1, 1, 2, 2], [4.125, 5.875, 11.125, 12.875], accuracy: 1e-4)
        let cub = try H.run1("Resize", [grid, nil, H.f([4], [1, 1, 0.6, 0.6])], ["mode": .string("cubic"), "antialias": .int(1)])
        H.check(cub, [1, 1, 2, 2], [2.51807, 4.285886, 9.589335, 11.357152], accuracy: 1e-4)
    }

    func testResizeTfCropAndResizeExtrapolates() throws {
        // Values from the ONNX reference implementation; roi [0, 0, 0.4, 0.6, 1, 1, 1.2, 1.7].
        let y = try H.run1("Resize", [grid, H.f([8], [0, 0, 0.4, 0.6, 1, 1, 1.2, 1.7]), nil, H.i64([1, 1, 3, 3])],
                           ["mode": .string("linear"), "coordinate_transformation_mode": .string("tf_crop_and_resize"),
                            "extrapolation_value": .float(10)])
        H.check(y, [1, 1, 3, 3], [7.6, 10, 10, 12.4, 10, 10, 10, 10, 10], accuracy: 1e-4)
    }

    func testResizeErrors() {
        H.expectError(.invalidArgument, "exactly one of scales and sizes") {
            try H.run1("Resize", [H.iota([2]), nil, nil, nil])
        }
        H.expectError(.invalidArgument, "coordinate_transformation_mode") {
            try H.run1("Resize", [H.iota([2]), nil, H.f([1], [2])], ["coordinate_transformation_mode": .string("bogus")])
        }
        H.expectError(.invalidArgument, "scales") { try H.run1("Resize", [H.iota([2]), nil, H.f([2], [1, 2])]) }
    }
}
