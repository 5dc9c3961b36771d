import XCTest
@testable import Runtime

private typealias H = ReferenceOpHarness

final class GridSampleOpsTests: XCTestCase {
    private let x = Tensor(shape: [1, 1, 2, 2], floats: [1, 2, 3, 4])
    // (x, y) positions: the centre, the two outer corners, an interior point and two
    // points outside the image (left of it, and right of and below the centre).
    private let grid = Tensor(shape: [1, 1, 6, 2], floats: [0, 0, -1, -1, 1, 1, 0.5, -0.25, -1.5, 0, 2.2, 0.3])

    private func sample(_ mode: String, _ padding: String, align: Int = 0) throws -> Tensor {
        try H.run("GridSample", [x, grid], ["mode": .string(mode), "padding_mode": .string(padding), "align_corners": .int(align)],
                  opset: 16)
    }

    // Expected values from onnxruntime 1.23 (which follows PyTorch's grid_sample); the
    // bilinear ones also by hand, e.g. the centre averages all four pixels.
    func testBilinear() throws {
        H.assertTensor(try sample("bilinear", "zeros"), .float32, [1, 1, 1, 6], [2.5, 0.25, 1, 2.5, 0, 0])
        H.assertTensor(try sample("bilinear", "border"), .float32, [1, 1, 1, 6], [2.5, 1, 4, 2.5, 2, 3.6])
        H.assertTensor(try sample("bilinear", "reflection"), .float32, [1, 1, 1, 6], [2.5, 1, 4, 2.5, 2, 2.9])
        // With align_corners, ±1 are the corner pixels' centres: (−1.5, 0) is x = −0.25, ¾ of
        // column 0's mean 2; (2.2, 0.3) is x = 1.6, y = 0.65: 0.4 · (0.35·2 + 0.65·4).
        H.assertTensor(try sample("bilinear", "zeros", align: 1), .float32, [1, 1, 1, 6], [2.5, 1, 4, 2.5, 1.5, 1.32],
                       tolerance: 1e-5)
    }

    func testNearest() throws {
        // The centre (0.5, 0.5) rounds half to even: pixel (0, 0).
        H.assertTensor(try sample("nearest", "zeros"), .float32, [1, 1, 1, 6], [1, 1, 0, 2, 0, 0])
        H.assertTensor(try sample("nearest", "border"), .float32, [1, 1, 1, 6], [1, 1, 4, 2, 1, 4])
        H.assertTensor(try sample("nearest", "reflection"), .float32, [1, 1, 1, 6], [1, 1, 4, 2, 1, 3])
    }

    func testBicubic() throws {
        H.assertTensor(try sample("bicubic", "zeros"), .float32, [1, 1, 1, 6], [3.525390625, 0.109375, 1.140625, 2.8046875, 0, -0.19278013706207275],
                       tolerance: 1e-5)
        H.assertTensor(try sample("bicubic", "border"), .float32, [1, 1, 1, 6], [2.5, 0.71875, 4.28125, 2.453125, 2, 3.6480016708374023],
                       tolerance: 1e-5)
        H.assertTensor(try sample("bicubic", "reflection"), .float32, [1, 1, 1, 6], [2.5, 0.4375, 4.5625, 2.453125, 2, 2.9270007610321045],
                       tolerance: 1e-5)
    }

    func testChannelsBatchesAndTypes() throws {
        // Two images of two channels; each image has its own grid.
        let x2 = Tensor(shape: [2, 2, 1, 2], floats: [1, 3, 10, 30, 5, 7, 50, 70])
        let g2 = Tensor(shape: [2, 1, 1, 2], floats: [-0.5, 0, 0.5, 0])  // x = 0 and x = 1 (pixel centres)
        H.assertTensor(try H.run("GridSample", [x2, g2], opset: 16), .float32, [2, 2, 1, 1], [1, 10, 7, 70])
        let xd = Tensor(shape: [1, 1, 2, 2], dtype: .float64, doubles: [1, 2, 3, 4])
        H.assertTensor(try H.run("GridSample", [xd, Tensor(shape: [1, 1, 1, 2], floats: [0, 0])], opset: 16), .float64, [1, 1, 1, 1], [2.5])
    }

    func testNonFiniteGridValuesStayInBounds() throws {
        let g = Tensor(shape: [1, 1, 3, 2], floats: [.nan, 0, .infinity, 0, -.infinity, 1e30])
        for mode in ["bilinear", "nearest", "bicubic"] {
            for padding in ["zeros", "border", "reflection"] {
                let y = try H.run("GridSample", [x, g], ["mode": .string(mode), "padding_mode": .string(padding)], opset: 16)
                XCTAssertEqual(y.shape, [1, 1, 1, 3])
            }
        }
    }

    func testErrors() {
        H.assertRuntimeError(.invalidArgument) { try self.sample("area", "zeros") }
        H.assertRuntimeError(.invalidArgument) { try self.sample("bilinear", "wrap") }
        H.assertRuntimeError(.invalidArgument) { try H.run("GridSample", [self.x, Tensor(shape: [1, 1, 1, 3], floats: [0, 0, 0])], opset: 16) }
        H.assertRuntimeError(.invalidArgument) { try H.run("GridSample", [self.x, Tensor(shape: [2, 1, 1, 2], floats: [0, 0, 0, 0])], opset: 16) }
        H.assertRuntimeError(.unsupportedDType) {
            try H.run("GridSample", [Tensor(shape: [1, 1, 1, 1], int64s: [1]), Tensor(shape: [1, 1, 1, 2], floats: [0, 0])], opset: 16)
        }
    }
}
