import Importer
import ONNXTestSupport
import Plugins
import Runtime
import XCTest

final class DCGANTests: XCTestCase {
    /// The real face generator (models/cache/dcgan-faces/dcgan-faces.onnx, written by
    /// scripts/tools/convert_dcgan.py from the gan-face-generate checkpoint): its initializers are
    /// the tutorial's state dict. Our network built from them must bind exactly and compute what
    /// the ONNX model computes.
    func testRealFaceGeneratorFromItsONNXInitializers() throws {
        let path = try OnnxRuntimeOracle.modelPath("models/cache/dcgan-faces/dcgan-faces.onnx")
        let onnx = try ONNXImporter.load(path: path).model
        let g = onnx.graph
        let weights = StateDict(g.initializerOrder.compactMap { name in g.initializers[name].map { (name, $0) } })
        XCTAssertEqual(try DCGAN.config(inferredFrom: weights), DCGAN.Config(latentSize: 100, features: 64, imageChannels: 3))
        let net = try DCGAN.build(weights: weights)
        XCTAssertTrue(net.report.isExact, net.report.description)
        XCTAssertEqual(net.report.loaded.count, 21)

        let z = GeneratorChecks.latents(2, 100)
        let ours = try GeneratorChecks.run(net, z, ["image", "layer2", "layer4"])
        let reference = try Session(model: onnx).run(["z": z.reshaped([2, 100, 1, 1])], outputs: ["image", "main.5", "main.11"])
        for (mine, theirs) in [("image", "main.13"), ("layer2", "main.5"), ("layer4", "main.11")] {
            let a = try XCTUnwrap(ours[mine]), b = try XCTUnwrap(reference[theirs == "main.13" ? "image" : theirs])
            XCTAssertEqual(a.shape, b.shape, mine)
            XCTAssertLessThanOrEqual(OnnxRuntimeOracle.relativeError(a, b), 1e-5, "\(mine) vs \(theirs)")
        }
        XCTAssertEqual(ours["image"]?.shape, [2, 3, 64, 64])
    }

    static let small = DCGAN.Config(latentSize: 8, features: 4, imageChannels: 3)

    func testShapesNamedLayersAndOnnxRuntime() throws {
        let net = try DCGAN.build(config: Self.small, seed: 2)
        XCTAssertEqual(net.namedLayers, ["layer1", "layer2", "layer3", "layer4"])
        let z = GeneratorChecks.latents(2, 8)
        let out = try GeneratorChecks.run(net, z, ["image", "layer1", "layer2", "layer3", "layer4"])
        XCTAssertEqual(out["layer1"]?.shape, [2, 32, 4, 4])
        XCTAssertEqual(out["layer2"]?.shape, [2, 16, 8, 8])
        XCTAssertEqual(out["layer3"]?.shape, [2, 8, 16, 16])
        XCTAssertEqual(out["layer4"]?.shape, [2, 4, 32, 32])
        XCTAssertEqual(out["image"]?.shape, [2, 3, 64, 64])
        try GeneratorChecks.assertMatchesOnnxRuntime(net, z: z, outputs: ["image", "layer2"])

        let meta = try DCGAN.metadata(Self.small)
        XCTAssertEqual(meta.latentShape, [8])
        XCTAssertEqual(meta.imageShape, [3, 64, 64])
        XCTAssertEqual(meta.defaultCut, "layer2")
    }

    func testPyTorchBatchNormCountersAreAcceptedAndBadLayoutsExplained() throws {
        var weights = GeneratorChecks.parameters(try DCGAN.build(config: Self.small), architecture: DCGAN.architecture)
        XCTAssertEqual(weights.count, 21)
        for i in [1, 4, 7, 10] { weights["main.\(i).num_batches_tracked"] = Tensor(scalarInt64: 1000) }
        XCTAssertTrue(try DCGAN.build(weights: weights).report.isExact)

        var noLast = weights
        noLast["main.12.weight"] = nil
        XCTAssertTrue(GeneratorChecks.errorMessage { try DCGAN.build(weights: noLast) }.contains("no 'main.12.weight'"))
        var wrong = weights
        wrong["main.0.weight"] = Tensor(zeros: [8, 30, 4, 4], dtype: .float32)
        XCTAssertTrue(GeneratorChecks.errorMessage { try DCGAN.build(weights: wrong) }.contains("8·ngf = 32"))
    }
}
