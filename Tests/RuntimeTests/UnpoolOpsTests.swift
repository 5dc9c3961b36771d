import XCTest
@testable import Runtime

private typealias H = ReferenceOpHarness

final class UnpoolOpsTests: XCTestCase {
    private let x = Tensor(shape: [1, 1, 2, 2], floats: [5, 6, 7, 8])
    // MaxPool indices of a 4×4 image: positions (1, 1), (1, 3), (3, 1), (3, 3).
    private let indices = Tensor(shape: [1, 1, 2, 2], int64s: [5, 7, 13, 15])
    private let window: [String: Attribute] = ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])]

    func testInferredShape() throws {
        H.assertTensor(try H.run("MaxUnpool", [x, indices], window), .float32, [1, 1, 4, 4],
                       [0, 0, 0, 0, 0, 5, 0, 6, 0, 0, 0, 0, 0, 7, 0, 8])
    }

    func testRequestedShapeKeepsTheInferredLayout() throws {
        // Indices address the inferred 4×4 image, which lands in the 5×5 output's corner.
        let y = try H.run("MaxUnpool", [x, indices, Tensor(shape: [4], int64s: [1, 1, 5, 5])], window)
        H.assertTensor(y, .float32, [1, 1, 5, 5], [0, 0, 0, 0, 0, 0, 5, 0, 6, 0, 0, 0, 0, 0, 0, 0, 7, 0, 8, 0, 0, 0, 0, 0, 0])
    }

    func testPadsAndOneDimension() throws {
        // (3 − 1)·2 + 3 − 1 − 1 = 5 positions; indices are flat over [N, C, L].
        let x1 = Tensor(shape: [2, 1, 3], floats: [1, 2, 3, 4, 5, 6])
        let i1 = Tensor(shape: [2, 1, 3], int64s: [0, 2, 4, 5, 7, 9])
        let y = try H.run("MaxUnpool", [x1, i1], ["kernel_shape": .ints([3]), "strides": .ints([2]), "pads": .ints([1, 1])])
        H.assertTensor(y, .float32, [2, 1, 5], [1, 0, 2, 0, 3, 4, 0, 5, 0, 6])
    }

    func testErrors() {
        H.assertRuntimeError(.invalidArgument) { try H.run("MaxUnpool", [self.x, Tensor(shape: [1, 1, 2, 2], int64s: [0, 1, 2, 16])], self.window) }
        H.assertRuntimeError(.invalidArgument) { try H.run("MaxUnpool", [self.x, self.indices, Tensor(shape: [4], int64s: [1, 1, 3, 3])], self.window) }
        H.assertRuntimeError(.invalidArgument) { try H.run("MaxUnpool", [self.x, self.indices]) }
        H.assertRuntimeError(.invalidArgument) { try H.run("MaxUnpool", [self.x, Tensor(shape: [1, 1, 2, 2], floats: [0, 1, 2, 3])], self.window) }
    }
}
