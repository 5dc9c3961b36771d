import Plugins
import Runtime
import XCTest

final class WholeMapPoolingTests: XCTestCase {
    func testAdaptiveAverageBinsOverlapWhenTheSizeDoesNotDivide() {
        // nn.AdaptiveAvgPool 8 → 3: bins [0, 3), [2, 6), [5, 8).
        let m = WholeMapPooling.adaptiveAverage.matrix(from: 8, to: 3)
        let third = 1.0 / 3
        XCTAssertEqual(m[0], [third, third, third, 0, 0, 0, 0, 0])
        XCTAssertEqual(m[1], [0, 0, 0.25, 0.25, 0.25, 0.25, 0, 0])
        XCTAssertEqual(m[2], [0, 0, 0, 0, 0, third, third, third])
        // 2 → 3 (a map smaller than the grid): bins [0, 1), [0, 2), [1, 2).
        XCTAssertEqual(WholeMapPooling.adaptiveAverage.matrix(from: 2, to: 3), [[1, 0], [0.5, 0.5], [0, 1]])
    }

    func testPreciseRoIIntegratesTheBilinearInterpolantOverTheRoiZeroToN() {
        // n = 4, s = 2: bins [0, 2] and [2, 4] of width 2; pixel j's hat spans [j − 1, j + 1].
        // Bin 0: j = 0 covers [0, 1] (area 1/2), j = 1 all of it (1), j = 2 [1, 2] (1/2); / 2.
        // Bin 1: j = 2 covers [2, 3] (1/2), j = 3 [2, 4] (1), and the missing pixel 4 takes the rest.
        let m = WholeMapPooling.preciseRoI.matrix(from: 4, to: 2)
        XCTAssertEqual(m[0], [0.25, 0.5, 0.25, 0])
        XCTAssertEqual(m[1], [0, 0, 0.25, 0.5])
        // n = 2, s = 1: a constant map of ones pools to 0.75, not 1 (the edge effect).
        XCTAssertEqual(WholeMapPooling.preciseRoI.matrix(from: 2, to: 1)[0].reduce(0, +), 0.75, accuracy: 1e-12)
    }

    func testTheGraphPoolsSeparablyInBothDirections() throws {
        // x[h][w] = 10·h + w on a 3×4 map pooled adaptively to 2×2: 3 does not divide by 2, so
        // this takes the pooling-matrix path.
        var nb = NetworkBuilder(name: "pool", weights: WeightBinder())
        let x = nb.input("x", shape: [1, 1, 3, 4])
        nb.output(nb.poolWholeMap(x, height: 3, width: 4, to: 2, .adaptiveAverage))
        let model = nb.finish().model
        XCTAssertTrue(model.graph.nodes.contains { $0.opType == "MatMul" })
        let input = Tensor(shape: [1, 1, 3, 4], floats: [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23])
        let y = try XCTUnwrap(Session(model: model).run(["x": input]).values.first)
        // Rows [0, 2) and [1, 3) (means 5 and 15), columns [0, 2) and [2, 4) (means 0.5 and 2.5).
        XCTAssertEqual(y.shape, [1, 1, 2, 2])
        for (a, b) in zip(y.floats, [5.5, 7.5, 15.5, 17.5] as [Float]) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testPreprocessingOpsMapMinusOneToOneRGBToTheModelsInput() throws {
        // One pixel (r, g, b) = (1, 0, −1). UPerNet: BGR of (x + 1) / 2 · 255 minus
        // [102.9801, 115.9465, 122.7717]: (0, 127.5, 255) − mean = (−102.9801, 11.5535, 132.2283).
        // torchvision: ((x + 1) / 2 − mean) / std = ((1 − 0.485) / 0.229, (0.5 − 0.456) / 0.224,
        // (0 − 0.406) / 0.225) = (2.248908, 0.196429, −1.804444).
        let cases: [(InputPreprocessing, [Float])] = [(UPerNet.preprocessing, [-102.9801, 11.5535, 132.2283]),
                                                      (VGG16Features.imagenet, [2.248908, 0.196429, -1.804444])]
        for (p, expected) in cases {
            var nb = NetworkBuilder(name: "pre", weights: WeightBinder())
            nb.output(nb.preprocess(nb.input("x", shape: [1, 3, 1, 1]), p))
            let y = try XCTUnwrap(Session(model: nb.finish().model).run(["x": Tensor(shape: [1, 3, 1, 1], floats: [1, 0, -1])]).values.first)
            for (a, b) in zip(y.floats, expected) { XCTAssertEqual(a, b, accuracy: 1e-4, p.summary) }
        }
        XCTAssertTrue(InputPreprocessing.none.isIdentity)
    }
}
