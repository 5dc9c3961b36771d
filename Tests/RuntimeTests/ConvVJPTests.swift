import XCTest
@testable import Runtime

/// Conv and ConvTranspose gradients (input, weight, bias) against central finite
/// differences in float64, over strides, pads, dilations, groups, auto_pad, output_padding,
/// output_shape and 1-D/2-D/3-D.
final class ConvVJPTests: XCTestCase {
    private func r(_ shape: [Int], _ seed: UInt64) -> Tensor { GradCheck.random(shape, seed: seed) }

    func testConv2DWithBiasAndPads() throws {
        try GradCheck.check("Conv", [r([2, 3, 5, 5], 1), r([4, 3, 3, 3], 2), r([4], 3)],
                            ["pads": .ints([1, 1, 1, 1])])
    }

    func testConvStridesDilationsAsymmetricPads() throws {
        try GradCheck.check("Conv", [r([1, 2, 7, 6], 4), r([3, 2, 2, 3], 5), r([3], 6)],
                            ["strides": .ints([2, 1]), "dilations": .ints([2, 1]), "pads": .ints([0, 2, 1, 0])])
        try GradCheck.check("Conv", [r([1, 2, 6, 7], 7), r([2, 2, 3, 3], 8)],
                            ["strides": .ints([3, 2]), "pads": .ints([1, 0, 2, 1])])
    }

    func testConvGroupsAndDepthwise() throws {
        try GradCheck.check("Conv", [r([2, 4, 5, 4], 9), r([6, 2, 3, 3], 10), r([6], 11)],
                            ["group": .int(2), "pads": .ints([1, 1, 1, 1])])
        try GradCheck.check("Conv", [r([1, 3, 5, 5], 12), r([3, 1, 3, 3], 13)],
                            ["group": .int(3), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])])
    }

    func testConvAutoPad() throws {
        for (mode, seed) in [("SAME_UPPER", 14), ("SAME_LOWER", 15), ("VALID", 16)] as [(String, UInt64)] {
            try GradCheck.check("Conv", [r([1, 2, 6, 5], seed), r([2, 2, 3, 2], seed + 10)],
                                ["auto_pad": .string(mode), "strides": .ints([2, 2])])
        }
    }

    func testConv1DAnd3DAndPointwise() throws {
        try GradCheck.check("Conv", [r([2, 2, 9], 17), r([3, 2, 3], 18), r([3], 19)],
                            ["strides": .ints([2]), "dilations": .ints([2]), "pads": .ints([1, 2])])
        try GradCheck.check("Conv", [r([1, 2, 4, 4, 3], 20), r([2, 2, 2, 3, 2], 21), r([2], 22)],
                            ["pads": .ints([1, 0, 1, 0, 1, 0]), "strides": .ints([1, 2, 1])])
        try GradCheck.check("Conv", [r([2, 3, 3, 4], 23), r([5, 3, 1, 1], 24), r([5], 25)])
    }

    func testConvTransposeStridesPadsOutputPadding() throws {
        try GradCheck.check("ConvTranspose", [r([2, 3, 3, 3], 30), r([3, 2, 3, 3], 31), r([2], 32)],
                            ["strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1]), "output_padding": .ints([1, 1])])
        try GradCheck.check("ConvTranspose", [r([1, 2, 3, 4], 33), r([2, 3, 2, 3], 34)],
                            ["strides": .ints([3, 2]), "dilations": .ints([2, 1]), "pads": .ints([0, 1, 1, 0])])
    }

    func testConvTransposeGroupsOutputShapeAutoPad() throws {
        try GradCheck.check("ConvTranspose", [r([1, 4, 3, 3], 35), r([4, 1, 3, 3], 36), r([2], 37)],
                            ["group": .int(2), "strides": .ints([2, 2])])
        // output_shape larger than the full result leaves unwritten trailing positions.
        try GradCheck.check("ConvTranspose", [r([1, 2, 3, 3], 38), r([2, 2, 3, 3], 39)],
                            ["strides": .ints([2, 2]), "output_shape": .ints([8, 7])])
        try GradCheck.check("ConvTranspose", [r([1, 2, 3, 2], 40), r([2, 2, 3, 3], 41)],
                            ["strides": .ints([2, 2]), "auto_pad": .string("SAME_UPPER")])
    }

    func testConvTranspose1DAnd3DAndPointwise() throws {
        try GradCheck.check("ConvTranspose", [r([2, 2, 4], 42), r([2, 3, 3], 43), r([3], 44)],
                            ["strides": .ints([2]), "output_padding": .ints([1])])
        try GradCheck.check("ConvTranspose", [r([1, 2, 2, 3, 2], 45), r([2, 2, 2, 2, 3], 46)],
                            ["strides": .ints([2, 1, 2]), "pads": .ints([0, 1, 1, 1, 0, 0])])
        try GradCheck.check("ConvTranspose", [r([2, 3, 2, 3], 47), r([3, 4, 1, 1], 48), r([4], 49)])
    }

    /// The float32 path (sgemm) agrees with float64 (dgemm), and only wanted gradients are made.
    func testFloat32MatchesFloat64AndSkipsUnwanted() throws {
        let x = r([2, 4, 6, 6], 50), w = r([6, 2, 3, 3], 51), dy = r([2, 6, 3, 3], 52)
        let node = Node(opType: "Conv", inputs: ["x", "w"], outputs: ["y"],
                        attributes: ["group": .int(2), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])])
        let geo = try ConvGeometry(node: node, input: x.shape, weight: w.shape, transposed: false)
        let k = KernelContext(node: node, opset: 17)
        let d = try ConvGradients.compute(x: x, w: w, dy: dy, geo: geo, wantX: true, wantW: true, wantB: true, k)
        let f = try ConvGradients.compute(x: x.converted(to: .float32), w: w.converted(to: .float32), dy: dy.converted(to: .float32),
                                          geo: geo, wantX: true, wantW: false, wantB: true, k)
        XCTAssertNil(f.w)
        XCTAssertLessThan(maxDifference(f.x!, d.x!), 1e-4)
        XCTAssertLessThan(maxDifference(f.b!, d.b!), 1e-4)
        XCTAssertEqual(f.x!.dtype, .float32)
    }

    private func maxDifference(_ a: Tensor, _ b: Tensor) -> Double {
        zip(a.doubles, b.doubles).map { abs($0 - $1) }.max() ?? 0
    }
}
