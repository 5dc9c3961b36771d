import ONNXTestSupport
@testable import Plugins
import Runtime
import XCTest

/// The ablation baselines of the original's proggan_ablation.py: WGAN-GP (G128_simple) and the
/// minibatch-stddev generator (G128_minibatch_disc).
final class ProGANAblationTests: XCTestCase {
    /// 16×16: z 8, 4² 16, 8² 8, 16² 8 → features.0…features.5.
    static let channels = [8, 16, 8, 8]

    static func seeded(_ shape: [Int], _ rng: inout SeededRandom) -> Tensor {
        Tensor(shape: shape, floats: (0..<shape.reduce(1, *)).map { _ in Float(rng.normal()) })
    }

    /// G128_simple's key names for `channels`, BatchNorm buffers included.
    static func wganStateDict() -> StateDict {
        var rng = SeededRandom(seed: 5)
        var d = StateDict()
        let convs = [[16, 8, 4, 4], [16, 16, 3, 3], [8, 16, 3, 3], [8, 8, 3, 3], [8, 8, 3, 3], [8, 8, 3, 3]]
        for (i, shape) in convs.enumerated() {
            d["features.\(i).conv.weight"] = seeded(shape, &rng)
            d["features.\(i).norm.weight"] = seeded([shape[0]], &rng)
            d["features.\(i).norm.bias"] = seeded([shape[0]], &rng)
            d["features.\(i).norm.running_mean"] = seeded([shape[0]], &rng)
            d["features.\(i).norm.running_var"] = Tensor(shape: [shape[0]], floats: (0..<shape[0]).map { Float($0 + 1) / 4 })
            d["features.\(i).norm.num_batches_tracked"] = Tensor(scalarInt64: 100)
        }
        d["output.conv.weight"] = seeded([3, 8, 1, 1], &rng)
        d["output.conv.bias"] = seeded([3], &rng)
        return d
    }

    func testWGANGPBindsTheOriginalNamesAndHasItsShapes() throws {
        let weights = Self.wganStateDict()
        XCTAssertEqual(try WGANGP.config(inferredFrom: weights), WGANGP.Config(channels: Self.channels))
        let net = try WGANGP.build(weights: weights)
        XCTAssertTrue(net.report.isExact, net.report.description)
        XCTAssertEqual(net.report.loaded.count, 6 * 5 + 2)
        XCTAssertEqual(net.namedLayers, (1...6).map { "layer\($0)" })
        let out = try GeneratorChecks.run(net, GeneratorChecks.latents(2, 8), ["image", "layer1", "layer4"])
        XCTAssertEqual(out["layer1"]?.shape, [2, 16, 4, 4])
        XCTAssertEqual(out["layer4"]?.shape, [2, 8, 8, 8])
        XCTAssertTrue(out["layer4"]!.floats.allSatisfy { $0 >= 0 }, "ReLU outputs")
        XCTAssertEqual(out["image"]?.shape, [2, 3, 16, 16])
        XCTAssertTrue(out["image"]!.floats.allSatisfy { (-1...1).contains($0) })
        try GeneratorChecks.assertMatchesOnnxRuntime(net, z: GeneratorChecks.latents(2, 8), outputs: ["image", "layer4"])
    }

    func testWGANGPReferenceIsG128Simple() throws {
        let meta = try WGANGP.metadata(WGANGP.Config())
        XCTAssertEqual(meta.latentShape, [128])
        XCTAssertEqual(meta.imageShape, [3, 128, 128])
        XCTAssertEqual(meta.defaultCut, "layer4")
        XCTAssertEqual(ProgressiveLayout.layers(WGANGP.Config().channels).count, 12)
    }

    func testMinibatchStddevBindsTheOriginalNamesAndMatchesOnnxRuntime() throws {
        var rng = SeededRandom(seed: 9)
        var weights = StateDict()
        let convs = [[16, 8, 4, 4], [16, 16, 3, 3], [8, 16, 3, 3], [8, 8, 3, 3], [8, 8, 3, 3], [8, 8, 3, 3], [3, 8, 1, 1]]
        for (i, shape) in convs.enumerated() {
            let prefix = i == 6 ? "output.conv" : "features.\(i).conv"
            weights["\(prefix).weight"] = Self.seeded(shape, &rng)
            weights["\(prefix).bias"] = Self.seeded([shape[0]], &rng)
        }
        XCTAssertEqual(try ProGANMinibatchStddev.config(inferredFrom: weights), .init(channels: Self.channels))
        let net = try ProGANMinibatchStddev.build(weights: weights)
        XCTAssertTrue(net.report.isExact, net.report.description)
        let z = GeneratorChecks.latents(2, 8)
        let out = try GeneratorChecks.run(net, z, ["image", "layer4"])
        XCTAssertEqual(out["layer4"]?.shape, [2, 8, 8, 8])
        XCTAssertEqual(out["image"]?.shape, [2, 3, 16, 16])
        // PixelNorm comes first: scaling z does not change the image.
        let scaled = Tensor(shape: z.shape, floats: z.floats.map { $0 * 7 })
        XCTAssertLessThanOrEqual(OnnxRuntimeOracle.relativeError(try GeneratorChecks.run(net, scaled, ["image"])["image"]!, out["image"]!), 1e-5)
        try GeneratorChecks.assertMatchesOnnxRuntime(net, z: z, outputs: ["image", "layer4"])

        let meta = try ProGANMinibatchStddev.metadata(.init())
        XCTAssertEqual(meta.latentShape, [512])
        XCTAssertEqual(meta.imageShape, [3, 128, 128])
    }

    func testClearErrors() {
        XCTAssertTrue(GeneratorChecks.errorMessage { try WGANGP.build(weights: StateDict([("x", Tensor(scalar: 1))])) }
            .contains("0 conv layers"))
        var noOutput = Self.wganStateDict()
        noOutput["output.conv.weight"] = nil
        XCTAssertTrue(GeneratorChecks.errorMessage { try WGANGP.build(weights: noOutput) }.contains("no 'output.conv.weight'"))
        XCTAssertTrue(GeneratorChecks.errorMessage { try WGANGP.build(config: .init(channels: [8, 8])) }.contains("3 (8×8) to 10"))
    }
}
