import XCTest
@testable import Runtime

private typealias G = GradCheck

/// GridSample gradients with respect to the input and the grid against central finite
/// differences in float64, for every mode × padding mode × align_corners. Grid points are
/// spread a little past [−1, 1] so that padding is exercised (reflection folds several times).
final class GridSampleVJPTests: XCTestCase {
    private let x = G.random([2, 2, 3, 4], seed: 1)
    private let grid = G.random([2, 3, 2, 2], seed: 2, scale: 0.8)

    private func check(_ mode: String, file: StaticString = #filePath, line: UInt = #line) throws {
        for padding in ["zeros", "border", "reflection"] {
            for align in [0, 1] {
                try G.check("GridSample", [x, grid], ["mode": .string(mode), "padding_mode": .string(padding), "align_corners": .int(align)],
                            opset: 16, file: file, line: line)
            }
        }
    }

    func testBilinear() throws { try check("bilinear") }

    func testNearest() throws { try check("nearest") }

    func testBicubic() throws { try check("bicubic") }

    /// Nearest sampling is piecewise constant in the grid: its grid gradient is exactly zero,
    /// while the input gradient routes dy to the sampled pixels.
    func testNearestGridGradientIsZero() throws {
        let g = Graph(nodes: [Node(opType: "GridSample", inputs: ["x", "g"], outputs: ["y"], attributes: ["mode": .string("nearest")])],
                      inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.fixed(1), .fixed(1), .fixed(2), .fixed(2)]),
                               ValueInfo(name: "g", dtype: .float32, shape: [.fixed(1), .fixed(1), .fixed(2), .fixed(2)])],
                      outputs: [ValueInfo(name: "y", dtype: nil, shape: nil)])
        let s = try Session(model: Model(graph: g, opsetImports: ["": 16]), backend: .reference)
        // (x, y) = (−0.5, −0.5) is pixel (0, 0)'s centre, (0.5, 0.5) pixel (1, 1)'s.
        let feeds = ["x": Tensor(shape: [1, 1, 2, 2], floats: [1, 2, 3, 4]),
                     "g": Tensor(shape: [1, 1, 2, 2], floats: [-0.5, -0.5, 0.5, 0.5])]
        let r = try s.gradients(feeds, of: "y", wrt: ["x", "g"], cotangent: Tensor(shape: [1, 1, 1, 2], floats: [10, 20]))
        XCTAssertEqual(r.gradients["g"]!.floats, [0, 0, 0, 0])
        XCTAssertEqual(r.gradients["x"]!.floats, [10, 0, 0, 20])
    }

    /// One bilinear sample between four pixels: hand-derived gradients.
    func testBilinearHandDerived() throws {
        let g = Graph(nodes: [Node(opType: "GridSample", inputs: ["x", "g"], outputs: ["y"], attributes: ["align_corners": .int(1)])],
                      inputs: [ValueInfo(name: "x", dtype: .float64, shape: [.fixed(1), .fixed(1), .fixed(2), .fixed(2)]),
                               ValueInfo(name: "g", dtype: .float64, shape: [.fixed(1), .fixed(1), .fixed(1), .fixed(2)])],
                      outputs: [ValueInfo(name: "y", dtype: nil, shape: nil)])
        let s = try Session(model: Model(graph: g, opsetImports: ["": 16]), backend: .reference)
        // align_corners: g = (0, 0.5) is the pixel position (col 0.5, row 0.75).
        let feeds = ["x": Tensor(shape: [1, 1, 2, 2], dtype: .float64, doubles: [1, 2, 3, 5]),
                     "g": Tensor(shape: [1, 1, 1, 2], dtype: .float64, doubles: [0, 0.5])]
        let r = try s.gradients(feeds, of: "y", wrt: ["x", "g"])
        // Weights (1−0.75)(1−0.5), (0.25)(0.5), (0.75)(0.5), (0.75)(0.5).
        XCTAssertEqual(r.gradients["x"]!.doubles, [0.125, 0.125, 0.375, 0.375])
        // y = Σ w·x; dy/dcol = (1−r)(x01 − x00) + r(x11 − x10) = 0.25·1 + 0.75·2 = 1.75, dcol/dgx = (2 − 1)/2;
        // dy/drow = (1−c)(x10 − x00) + c(x11 − x01) = 0.5·2 + 0.5·3 = 2.5, drow/dgy = 1/2.
        XCTAssertEqual(r.gradients["g"]!.doubles, [0.875, 1.25])
    }
}
