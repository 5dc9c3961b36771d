import Foundation
import Importer
import ONNXTestSupport
import Plugins
import Runtime
import XCTest

/// A generator, a segmenter and a feature net added purely through plugins.json (no Swift):
/// each works through the registry like a built-in. Expected values are derived by hand from
/// the tiny models' weights (see TinyModels).
final class GenericONNXPluginTests: XCTestCase {
    var zoo: Zoo!
    var plugins = ""

    override func setUpWithError() throws {
        plugins = try RegistryFixture.tinyRegistry().plugins
        zoo = try Zoo(path: plugins)
    }

    func testGeneratorRunsWholeAndFromAndToItsLayers() throws {
        let g = try zoo.generator("tiny-gen")
        XCTAssertEqual(g.layers, ["hidden", "grid"])
        XCTAssertEqual(g.defaultCut, "hidden")
        XCTAssertEqual(g.latentShape, [2])
        let z = Tensor(shape: [2, 2], floats: [1, 2, 0, 0])
        // hidden = [z0, z1, z0 + z1, z0 − z1 + 0.5]
        XCTAssertEqual(try g.run(z, to: "hidden").floats, [1, 2, 3, -0.5, 0, 0, 0, 0.5])
        let image = try g.generate(z)
        XCTAssertEqual(image.shape, [2, 1, 2, 2])
        assertClose(image.floats, [1, 2, 3, -0.5, 0, 0, 0, 0.5].map { tanh($0) }, accuracy: 1e-6)
        // G_f(g(z)) = G(z), and G_f takes any value at the cut.
        assertClose(try g.run(from: "hidden", g.run(z, to: "hidden")).floats, image.floats, accuracy: 1e-6)
        assertClose(try g.run(from: "grid", Tensor(shape: [1, 1, 2, 2], floats: [0, 1, -1, 2])).floats,
                    [0, 1, -1, 2].map { tanh($0) }, accuracy: 1e-6)
        XCTAssertEqual(try g.layerShapes(), ["hidden": [4], "grid": [1, 2, 2]])
        XCTAssertEqual(try g.suffix(from: ["grid"]).graph.nodes.map(\.opType), ["Tanh"])
        XCTAssertEqual(try g.prefix(upTo: ["hidden"]).graph.nodes.map(\.opType), ["Gemm"])
        XCTAssertEqual(g.sampleLatents(3, seed: 5).floats, Tensor.randomNormal([3, 2], seed: 5).floats)
        XCTAssertThrowsPluginError(.invalidRequest, ["has no layer 'nope'", "hidden, grid"]) { try g.run(z, to: "nope") }
        XCTAssertThrowsPluginError(.invalidRequest, ["must be [N] + [2]", "[2, 3]"]) { try g.generate(Tensor(zeros: [2, 3])) }
    }

    func testSegmenterLabelsTheStrongestChannelWithSoftmaxScores() throws {
        let s = try zoo.segmenter("tiny-seg")
        XCTAssertEqual(s.labels, ["red", "green", "blue"])
        // Pixels: red, green, blue, dark red → logits = RGB / 255.
        let image = RGBImage(width: 2, height: 2, pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255, 90, 10, 10])
        let seg = try s.segment(image)
        XCTAssertEqual(seg.labels, [0, 1, 2, 0])
        XCTAssertEqual(seg.areas, [0.5, 0.25, 0.25])
        // softmax([1, 0, 0])[0] = e / (e + 2)
        XCTAssertEqual(Double(seg.scores.floats[0]), M_E / (M_E + 2), accuracy: 1e-6)
        XCTAssertEqual(Double(seg.scores.floats[4 + 0]), 1 / (M_E + 2), accuracy: 1e-6)
        // A larger photo is stretched to 2 × 2 first.
        let big = RGBImage(width: 4, height: 4, pixels: [UInt8](repeating: 0, count: 48).enumerated().map { $0.offset % 3 == 2 ? 200 : 0 })
        XCTAssertEqual(try s.segment(big).labels, [2, 2, 2, 2])
    }

    func testFeatureNetAppliesItsPreprocessingContract() throws {
        let f = try zoo.featureNet("tiny-feat")
        XCTAssertEqual(f.layers, ["feat", "pooled"])
        // One 2×2 RGB image in [-1, 1].
        let x: [Float] = [-1, 0, 1, 0.5, /* G */ 0, 0, -1, 1, /* B */ 1, -0.5, 0, -1]
        let out = try f.features(Tensor(shape: [1, 3, 2, 2], floats: x), range: -1...1, layers: ["feat", "pooled"])
        // Contract: p = (x + 1) · 127.5; model channels BGR minus mean [1, 2, 3]; conv rows [1, 1, 1], [1, −1, 0]; ReLU.
        var expected = [Float](repeating: 0, count: 8)
        for i in 0..<4 {
            let r = (x[i] + 1) * 127.5, g = (x[4 + i] + 1) * 127.5, b = (x[8 + i] + 1) * 127.5
            let (c0, c1, c2) = (b - 1, g - 2, r - 3)
            expected[i] = max(0, c0 + c1 + c2)
            expected[4 + i] = max(0, c0 - c1)
        }
        XCTAssertEqual(out["feat"]?.shape, [1, 2, 2, 2])
        assertClose(out["feat"]!.floats, expected, accuracy: 1e-3)
        assertClose(out["pooled"]!.floats, [expected[0..<4].max()!, expected[4..<8].max()!], accuracy: 1e-3)
        // The same image as a photograph (pixels 0…255) gives the same features.
        let px = (0..<4).flatMap { i in [0, 4, 8].map { UInt8(((x[$0 + i] + 1) * 127.5).rounded()) } }
        let photo = try f.features(of: RGBImage(width: 2, height: 2, pixels: px), layers: ["feat"])
        assertClose(photo["feat"]!.floats, expected, accuracy: 1.5) // three channels rounded to whole pixel values
    }

    func testPerceptualLossThroughTheRegistry() throws {
        let loss = try zoo.loss("perceptual", config: try JSONParser.parse(#"{"featureNet": "tiny-feat", "layers": ["feat"], "distance": "mse"}"#))
        var b = GraphBuilder(Graph(name: "loss"), opset: 17, prefix: "l")
        b.graph.inputs = ["x", "y"].map { ValueInfo(name: $0, dtype: .float32, shape: [.fixed(1), .fixed(3), .fixed(2), .fixed(2)]) }
        b.output(try loss.build(&b, "x", "y"))
        let session = try Session(model: Model(graph: b.graph, opsetImports: ["": 17]))
        let x = Tensor.randomNormal([1, 3, 2, 2], seed: 1), y = Tensor.randomNormal([1, 3, 2, 2], seed: 2)
        let f = try zoo.featureNet("tiny-feat")
        let fx = try f.features(x, range: -1...1, layers: ["feat"])["feat"]!.floats
        let fy = try f.features(y, range: -1...1, layers: ["feat"])["feat"]!.floats
        let mse = zip(fx, fy).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Float(fx.count)
        XCTAssertEqual(try session.run(["x": x, "y": y]).values.first!.floats[0], mse, accuracy: mse * 1e-5)
        XCTAssertEqual(try session.run(["x": x, "y": x]).values.first!.floats[0], 0)
        XCTAssertThrowsPluginError(.unknownID, ["unknown loss 'nope'", "mse, l1, cosine, perceptual"]) { try zoo.loss("nope") }
        XCTAssertThrowsPluginError(.invalidRequest, ["'tiny-gen' is a generator, not a feature-net", "tiny-feat"]) {
            try zoo.loss("perceptual", config: try JSONParser.parse(#"{"featureNet": "tiny-gen"}"#))
        }
    }

    func testExportedModelHasPublicLayerNamesAndRunsTheSame() throws {
        let plugin = try zoo.load("tiny-feat")
        XCTAssertTrue(plugin.model.graph.nodes.contains { $0.outputs == ["feat"] })
        let data = try ONNXExporter.serialize(plugin.exportable)
        let back = try ONNXImporter.load(data: data, baseDirectory: nil, sourceName: "export").model
        XCTAssertEqual(back.metadata["seeing.id"], "tiny-feat")
        XCTAssertEqual(back.metadata["seeing.layers"], #"["feat", "pooled"]"#)
        let x = Tensor.randomNormal([1, 3, 4, 4], seed: 3)
        XCTAssertEqual(try Session(model: back).run(["pixels": x])["pooled"]!.floats,
                       try Session(model: plugin.model).run(["pixels": x])["pooled"]!.floats)
    }

    func testKindMismatchAndUnknownIdsAreClear() throws {
        XCTAssertThrowsPluginError(.invalidRequest, ["model 'tiny-gen' is a generator, not a segmenter", "registered segmenters: tiny-seg"]) {
            try zoo.segmenter("tiny-gen")
        }
        XCTAssertThrowsPluginError(.unknownID, ["unknown model 'nope'", "registered: tiny-gen, tiny-seg, tiny-feat"]) { try zoo.load("nope") }
    }
}

func assertClose(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "counts differ", file: file, line: line)
    for (i, (x, y)) in zip(a, b).enumerated() where abs(x - y) > accuracy {
        XCTFail("element \(i): \(x) vs \(y)", file: file, line: line)
        return
    }
}
