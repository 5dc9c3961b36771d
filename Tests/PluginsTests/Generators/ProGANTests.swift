import Foundation
import ONNXTestSupport
import Plugins
import Runtime
import XCTest

final class ProGANTests: XCTestCase {
    /// 16×16 with small depths: z 16, 4² 16, 8² 8, 16² 8 → layer1…layer6 + output_16x16.
    static let small = ProGAN.Config(resolution: 16, channels: [16, 16, 8, 8])

    /// A state dict with the original's exact key names and shapes for `small`.
    static func originalStateDict(seed: UInt64 = 3) -> StateDict {
        var rng = SeededRandom(seed: seed)
        func t(_ shape: [Int]) -> Tensor { Tensor(shape: shape, floats: (0..<shape.reduce(1, *)).map { _ in Float(rng.normal()) }) }
        return StateDict([
            ("layer1.conv.weight", t([16, 16, 4, 4])), ("layer1.wscale.b", t([16])),
            ("layer2.conv.weight", t([16, 16, 3, 3])), ("layer2.wscale.b", t([16])),
            ("layer3.conv.weight", t([8, 16, 3, 3])), ("layer3.wscale.b", t([8])),
            ("layer4.conv.weight", t([8, 8, 3, 3])), ("layer4.wscale.b", t([8])),
            ("layer5.conv.weight", t([8, 8, 3, 3])), ("layer5.wscale.b", t([8])),
            ("layer6.conv.weight", t([8, 8, 3, 3])), ("layer6.wscale.b", t([8])),
            ("output_16x16.conv.weight", t([3, 8, 1, 1])), ("output_16x16.wscale.b", t([3])),
        ])
    }

    func testShapesNamedLayersAndMetadata() throws {
        let net = try ProGAN.build(config: Self.small, seed: 1)
        XCTAssertEqual(net.inputs, ["z"])
        XCTAssertEqual(net.outputs, ["image"])
        XCTAssertEqual(net.namedLayers, (1...6).map { "layer\($0)" })
        let out = try GeneratorChecks.run(net, GeneratorChecks.latents(2, 16), ["image", "layer1", "layer2", "layer3", "layer4", "layer6"])
        XCTAssertEqual(out["layer1"]?.shape, [2, 16, 4, 4])
        XCTAssertEqual(out["layer2"]?.shape, [2, 16, 4, 4])
        XCTAssertEqual(out["layer3"]?.shape, [2, 8, 8, 8])
        XCTAssertEqual(out["layer4"]?.shape, [2, 8, 8, 8])
        XCTAssertEqual(out["layer6"]?.shape, [2, 8, 16, 16])
        let image = try XCTUnwrap(out["image"])
        XCTAssertEqual(image.shape, [2, 3, 16, 16])
        XCTAssertTrue(image.floats.allSatisfy { (-1...1).contains($0) }, "Hardtanh bounds the image")
        XCTAssertGreaterThan(Set(image.floats).count, 100, "a seeded network gives a varied image")

        let meta = try ProGAN.metadata(Self.small)
        XCTAssertEqual(meta.latentShape, [16])
        XCTAssertEqual(meta.latentDistribution, "normal")
        XCTAssertEqual(meta.imageShape, [3, 16, 16])
        XCTAssertEqual(meta.outputRange, -1...1)
        XCTAssertEqual(meta.layout, "NCHW")
        XCTAssertEqual(meta.defaultCut, "layer4")
    }

    func testReferenceConfigurationHasTheOriginalSize() throws {
        // proggan.py at 256²: layer1 512·512·16 + 512; layer2 512·512·9 + 512; then per doubling
        // an upscale (in·out·9 + out) and a plain layer (out·out·9 + out) for 512, 512, 256, 128,
        // 64, 32; output 32·3 + 3. Summed: 18,344,995 (the reference's "about 18.3 M").
        let channels = try ProGAN.channels(of: ProGAN.Config())
        XCTAssertEqual(channels, [512, 512, 512, 512, 256, 128, 64, 32])
        let meta = try ProGAN.metadata(ProGAN.Config())
        XCTAssertEqual(meta.latentShape, [512])
        XCTAssertEqual(meta.imageShape, [3, 256, 256])
        var count = 512 * 512 * 16 + 512 + 512 * 512 * 9 + 512
        for (i, o) in zip(channels[1..<7], channels[2...]) { count += i * o * 9 + o + o * o * 9 + o }
        count += 32 * 3 + 3
        XCTAssertEqual(count, 18_344_995)
        let net = try ProGAN.build(config: ProGAN.Config(resolution: 8, channels: [512, 512, 512]))
        let params = GeneratorChecks.parameters(net, architecture: ProGAN.architecture)
        XCTAssertEqual(params.names.reduce(0) { $0 + params[$1]!.count },
                       512 * 512 * 16 + 512 + 512 * 512 * 9 + 512 + 2 * (512 * 512 * 9 + 512) + 512 * 3 + 3)
    }

    func testOriginalStateDictBindsExactly() throws {
        let weights = Self.originalStateDict()
        XCTAssertEqual(try ProGAN.config(inferredFrom: weights), Self.small)
        let net = try ProGAN.build(weights: weights)
        XCTAssertTrue(net.report.isExact, net.report.description)
        XCTAssertEqual(net.report.loaded.count, 14)
        XCTAssertEqual(net.model.graph.initializers["layer3.conv.weight"]?.floats, weights["layer3.conv.weight"]?.floats)
        XCTAssertEqual(net.model.graph.initializers["output_16x16.wscale.b"]?.floats, weights["output_16x16.wscale.b"]?.floats)
    }

    func testOldOriginalNamesAreRenamedAsTheOriginalLoaderDoes() throws {
        let current = Self.originalStateDict()
        let old = StateDict(current.names.map { name -> (String, Tensor) in
            if name.hasPrefix("output_16x16.") { return ("output." + name.dropFirst(13), current[name]!) }
            let k = Int(name.dropFirst(5).prefix { $0.isNumber })!
            return ("features.\(k - 1)" + name.drop { $0 != "." }, current[name]!)
        })
        XCTAssertEqual(old.names.prefix(2), ["features.0.conv.weight", "features.0.wscale.b"])
        let net = try ProGAN.build(weights: old)
        XCTAssertTrue(net.report.isExact, net.report.description)
        let z = GeneratorChecks.latents(1, 16)
        let a = try GeneratorChecks.run(net, z, ["image"])["image"]!
        let b = try GeneratorChecks.run(ProGAN.build(weights: current), z, ["image"])["image"]!
        XCTAssertEqual(a.floats, b.floats)
    }

    func testWScaleAndPixelNormByHand() throws {
        // 8×8, depths [2, 2, 2]. z = (3, 4): PixelNorm → z/√((9+16)/2 + 1e-8) = (0.848528, 1.131371).
        // layer1 weights all 1: on the 1×1 input, k4 pad 3 gives the channel sum 1.979899 at all
        // 16 positions; WScale gain √2/4, fan-in 2: scale 0.25 → 0.494975; + b (0.5, −1) →
        // (0.994975, −0.505025); LeakyReLU(0.2) → (0.99497475, −0.10100505).
        var weights = StateDict([("layer1.conv.weight", Tensor(shape: [2, 2, 4, 4], floats: Array(repeating: 1, count: 64))),
                                 ("layer1.wscale.b", Tensor(shape: [2], floats: [0.5, -1])),
                                 ("layer2.conv.weight", Tensor(shape: [2, 2, 3, 3], floats: Array(repeating: 1, count: 36))),
                                 ("layer2.wscale.b", Tensor(shape: [2], floats: [0, -5]))])
        weights["output_8x8.conv.weight"] = Tensor(zeros: [3, 2, 1, 1], dtype: .float32)
        let net = try ProGAN.build(weights: weights, config: ProGAN.Config(resolution: 8, channels: [2, 2, 2]))
        let out = try GeneratorChecks.run(net, Tensor(shape: [1, 2], floats: [3, 4]), ["layer1", "layer2"])
        let layer1 = try XCTUnwrap(out["layer1"]).floats
        for i in 0..<16 {
            XCTAssertEqual(layer1[i], 0.99497475, accuracy: 1e-6)
            XCTAssertEqual(layer1[16 + i], -0.10100505, accuracy: 1e-6)
        }
        // layer2: PixelNorm of (0.99497475, −0.10100505) is (1.40698242, −0.14283009), sum
        // 1.26415233. All-ones 3×3 weights with pad 1 sum 4 (corner), 6 (edge) or 9 (inside)
        // positions; WScale gain √2/3, fan-in 2: scale 1/3 → 1.68553644, 2.52830466, 3.79245699.
        // Channel 1 (b = −5) inside: (3.79245699 − 5)·0.2 = −0.24150861.
        let layer2 = try XCTUnwrap(out["layer2"]).floats
        XCTAssertEqual(layer2[0], 1.68553644, accuracy: 1e-5)
        XCTAssertEqual(layer2[1], 2.52830466, accuracy: 1e-5)
        XCTAssertEqual(layer2[5], 3.79245699, accuracy: 1e-5)
        XCTAssertEqual(layer2[16 + 5], -0.24150861, accuracy: 1e-5)
    }

    func testMatchesAnIndependentNumpyForwardPass() throws {
        let weights = Self.originalStateDict()
        let net = try ProGAN.build(weights: weights)
        let z = GeneratorChecks.latents(2, 16)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seeing-progan-\(UUID().uuidString)")
        let weightDir = dir.appendingPathComponent("weights")
        try FileManager.default.createDirectory(at: weightDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in weights.names { try NPY.write(weights[name]!, to: weightDir.appendingPathComponent(name + ".npy").path) }
        try NPY.write(z, to: dir.appendingPathComponent("z.npy").path)
        let run = try OnnxRuntimeOracle.python("scripts/tools/progan_reference.py", [weightDir.path, dir.appendingPathComponent("z.npy").path, dir.path])
        XCTAssertEqual(run.status, 0, run.output)
        let ours = try GeneratorChecks.run(net, z, ["image", "layer4"])
        for name in ["image", "layer4"] {
            let expected = try NPY.read(path: dir.appendingPathComponent(name + ".npy").path)
            XCTAssertEqual(ours[name]?.shape, expected.shape)
            XCTAssertLessThanOrEqual(OnnxRuntimeOracle.relativeError(try XCTUnwrap(ours[name]), expected), 1e-5, name)
        }
    }

    func testExportMatchesOnnxRuntime() throws {
        let net = try ProGAN.build(weights: Self.originalStateDict())
        try GeneratorChecks.assertMatchesOnnxRuntime(net, z: GeneratorChecks.latents(2, 16), outputs: ["image", "layer4"])
    }

    func testClearErrorsWhenTheConfigurationCannotBeDetermined() {
        var noOutput = Self.originalStateDict()
        noOutput["output_16x16.conv.weight"] = nil
        XCTAssertTrue(GeneratorChecks.errorMessage { try ProGAN.build(weights: noOutput) }.contains("no output_RxR.conv.weight"))

        var wrongOutput = Self.originalStateDict()
        wrongOutput["output_32x32.conv.weight"] = wrongOutput["output_16x16.conv.weight"]
        wrongOutput["output_16x16.conv.weight"] = nil
        XCTAssertTrue(GeneratorChecks.errorMessage { try ProGAN.build(weights: wrongOutput) }.contains("make a 16×16 image"))

        var oddLayers = Self.originalStateDict()
        oddLayers["layer6.conv.weight"] = nil
        XCTAssertTrue(GeneratorChecks.errorMessage { try ProGAN.build(weights: oddLayers) }.contains("5 conv layers"))

        XCTAssertTrue(GeneratorChecks.errorMessage { try ProGAN.build(config: .init(resolution: 512)) }.contains("no reference channel plan for 512×512"))
        XCTAssertTrue(GeneratorChecks.errorMessage { try ProGAN.build(config: .init(resolution: 32, channels: [8, 8, 8])) }.contains("make a 8×8 image"))
    }

    func testMisshapedCheckpointTensorsAreReported() throws {
        var weights = Self.originalStateDict()
        weights["layer2.wscale.b"] = Tensor(shape: [3], floats: [1, 2, 3])
        let net = try ProGAN.build(weights: weights)
        XCTAssertEqual(net.report.misshaped, [.init(name: "layer2.wscale.b", expected: [16], got: [3])])
    }
}
