import XCTest
@testable import Runtime

private typealias G = GradCheck

private func ints(_ a: [Int64]) -> Tensor { Tensor(shape: [a.count], int64s: a) }
private func floats(_ a: [Float]) -> Tensor { Tensor(shape: [a.count], floats: a) }

/// Pad and Resize/Upsample gradients (adjoints of the forward index/weight tables).
final class ResizePadVJPTests: XCTestCase {
    let x = G.random([2, 3, 4], seed: 71)

    func testPadModes() throws {
        let pads = ints([0, 2, 1, 1, 1, 3])
        for mode in ["constant", "reflect", "edge", "wrap"] {
            try G.check("Pad", [x, pads], ["mode": .string(mode)], opset: 19)
            // Negative pads crop.
            try G.check("Pad", [x, ints([1, -1, 0, 0, 2, -2])], ["mode": .string(mode)], opset: 19)
        }
        // constant_value is differentiable: every padded position reads it.
        try G.check("Pad", [x, pads, Tensor(shape: [], dtype: .float64, doubles: [0.5])], opset: 13)
        // Opset 18 axes input; opset 2 attributes.
        try G.check("Pad", [x, ints([1, 2, 3, 1]), nil, ints([2, 0])], ["mode": .string("reflect")], opset: 18, wrt: [0])
        try G.check("Pad", [x], ["pads": .ints([0, 1, 2, 1, 0, 1]), "mode": .string("edge")], opset: 2)
        try G.check("Pad", [x], ["pads": .ints([1, 0, 0, 0, 1, 1]), "value": .float(2)], opset: 2)
    }

    /// One Resize node (opset ≥ 13 input layout: X, roi, scales, sizes) checked w.r.t. X.
    func resize(_ x: Tensor, roi: Tensor? = nil, scales: [Float]? = nil, sizes: [Int64]? = nil, _ attrs: [String: Attribute],
                opset: Int = 13, file: StaticString = #filePath, line: UInt = #line) throws {
        let linear = attrs["mode"].map { if case .string(let m) = $0 { return m != "nearest" }; return false } ?? false
        // The interpolating forward computes in float32: a linear map, so a large step is exact.
        try G.check("Resize", [x, roi, scales.map(floats), sizes.map(ints)], attrs, opset: opset, wrt: [0],
                    eps: linear ? 0.1 : nil, tolerance: linear ? 1e-4 : nil, file: file, line: line)
    }

    func testResizeNearestModes() throws {
        let x4 = G.random([1, 2, 3, 4], seed: 72)
        let coordinateModes = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"]
        for cm in coordinateModes {
            for nm in ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"] {
                let a: [String: Attribute] = ["mode": .string("nearest"), "coordinate_transformation_mode": .string(cm), "nearest_mode": .string(nm)]
                try resize(x4, scales: [1, 1, 2, 1.5], a)
                try resize(x4, scales: [1, 1, 0.6, 0.5], a)
                try resize(x4, sizes: [1, 2, 5, 3], a)
            }
        }
        try resize(x4, scales: [1, 1, 1.7, 0.8], ["mode": .string("nearest"), "coordinate_transformation_mode": .string("half_pixel_symmetric")], opset: 19)
    }

    func testResizeLinearAndCubicModes() throws {
        let x4 = G.random([1, 2, 3, 4], seed: 73, dtype: .float32)
        let coordinateModes = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"]
        for mode in ["linear", "cubic"] {
            for cm in coordinateModes {
                let a: [String: Attribute] = ["mode": .string(mode), "coordinate_transformation_mode": .string(cm)]
                try resize(x4, scales: [1, 1, 2, 1.5], a)
                try resize(x4, scales: [1, 1, 0.6, 0.5], a)
                try resize(x4, sizes: [1, 2, 5, 3], a)
            }
            try resize(x4, scales: [1, 1, 1.7, 0.8], ["mode": .string(mode), "coordinate_transformation_mode": .string("half_pixel_symmetric")], opset: 19)
            // Antialiased downsampling and the axes attribute (opset 18).
            try resize(x4, scales: [0.6, 0.5], ["mode": .string(mode), "antialias": .int(1), "axes": .ints([2, 3])], opset: 18)
        }
        try resize(x4, scales: [1, 1, 2, 2], ["mode": .string("cubic"), "exclude_outside": .int(1), "cubic_coeff_a": .float(-0.5)])
        // float64 runs the Double path of the adjoint.
        try resize(G.random([1, 1, 3, 3], seed: 74), scales: [1, 1, 2, 1.5], ["mode": .string("linear")])
    }

    func testResizeTfCropAndResize() throws {
        let x4 = G.random([1, 1, 4, 5], seed: 75, dtype: .float32)
        // Part of the crop box lies outside the input: those positions take extrapolation_value.
        let roi = floats([0, 0, -0.2, 0.1, 1, 1, 0.9, 1.3])
        for mode in ["nearest", "linear"] {
            try resize(x4, roi: roi, sizes: [1, 1, 3, 4],
                       ["mode": .string(mode), "coordinate_transformation_mode": .string("tf_crop_and_resize"), "extrapolation_value": .float(2)])
        }
    }

    func testUpsampleOpsets() throws {
        let x4 = G.random([1, 2, 2, 3], seed: 76, dtype: .float32)
        try G.check("Upsample", [x4], ["scales": .floats([1, 1, 2, 3]), "mode": .string("nearest")], opset: 7)
        try G.check("Upsample", [x4], ["scales": .floats([1, 1, 2, 1.5]), "mode": .string("linear")], opset: 7, eps: 0.1, tolerance: 1e-4)
        try G.check("Upsample", [x4, floats([1, 1, 2.5, 2])], ["mode": .string("linear")], opset: 9, wrt: [0], eps: 0.1, tolerance: 1e-4)
        // Resize at opset 10: scales only, asymmetric.
        try G.check("Resize", [x4, floats([1, 1, 1.5, 2])], ["mode": .string("linear")], opset: 10, wrt: [0], eps: 0.1, tolerance: 1e-4)
    }
}
