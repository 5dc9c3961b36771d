import ONNXTestSupport
import Plugins
import Runtime
import XCTest

final class StyleGANTests: XCTestCase {
    /// 32×32 with small widths: z, mapping and w 16; blocks 4² 16, 8² 16, 16² 8, 32² 8.
    static func small(fusedFrom fused: Int? = nil, psi: Float = 0.7, cutoff: Int = 8) -> StyleGAN.Config {
        StyleGAN.Config(resolution: 32, latentSize: 16, mappingFeatures: 16, dlatentSize: 16, channels: [16, 16, 8, 8],
                        truncationPsi: psi, truncationLayers: cutoff, fusedScaleMinResolution: fused)
    }

    func testShapesNamedLayersAndMetadata() throws {
        let net = try StyleGAN.build(config: Self.small(), seed: 1)
        XCTAssertEqual(net.namedLayers, ["w", "4x4", "8x8", "16x16", "32x32"])
        let out = try GeneratorChecks.run(net, GeneratorChecks.latents(2, 16), ["image", "w", "4x4", "8x8", "32x32"])
        XCTAssertEqual(out["w"]?.shape, [2, 16])
        XCTAssertEqual(out["4x4"]?.shape, [2, 16, 4, 4])
        XCTAssertEqual(out["8x8"]?.shape, [2, 16, 8, 8])
        XCTAssertEqual(out["32x32"]?.shape, [2, 8, 32, 32])
        XCTAssertEqual(out["image"]?.shape, [2, 3, 32, 32])
        XCTAssertEqual(Self.small().synthesisLayers, 8)

        let meta = try StyleGAN.metadata(Self.small())
        XCTAssertEqual(meta.latentShape, [16])
        XCTAssertEqual(meta.imageShape, [3, 32, 32])
        XCTAssertEqual(meta.defaultCut, "8x8")
        // The official 1024² plan: 512 up to 32², then halving to 16 at 1024².
        XCTAssertEqual(try StyleGAN.channels(of: StyleGAN.Config()), [512, 512, 512, 512, 256, 128, 64, 32, 16])
        XCTAssertEqual(StyleGAN.Config().synthesisLayers, 18)
    }

    func testExportMatchesOnnxRuntimeWithFusedUpConvolutions() throws {
        let net = try StyleGAN.build(config: Self.small(fusedFrom: 16), seed: 2)
        try GeneratorChecks.assertMatchesOnnxRuntime(net, z: GeneratorChecks.latents(2, 16), outputs: ["image", "w", "8x8", "32x32"])
    }

    /// The original's fused up-convolution (a stride-2 transposed conv with the padded, shifted
    /// and summed kernel) equals nearest 2× upsampling followed by the 3×3 conv with the kernel
    /// flipped: W_fused[a, b, i, o] = W[o, i, 2 − a, 2 − b].
    func testFusedUpConvolutionEqualsUpsampleThenConv() throws {
        let plain = try StyleGAN.build(config: Self.small(), seed: 3)
        var weights = GeneratorChecks.parameters(plain, architecture: StyleGAN.architecture)
        for layer in [4, 6] { // the up-convolutions at 16² and 32²
            let w = try XCTUnwrap(weights["synthesis.layer\(layer).conv.weight"])
            let (o, i) = (w.shape[0], w.shape[1])
            let src = w.floats
            var fused = [Float](repeating: 0, count: src.count)
            for a in 0..<3 { for b in 0..<3 { for ci in 0..<i { for co in 0..<o {
                fused[((a * 3 + b) * i + ci) * o + co] = src[((co * i + ci) * 3 + (2 - a)) * 3 + (2 - b)]
            } } } }
            weights["synthesis.layer\(layer).conv.weight"] = nil
            weights["synthesis.layer\(layer).weight"] = Tensor(shape: [3, 3, i, o], floats: fused)
        }
        XCTAssertEqual(try StyleGAN.config(inferredFrom: weights), Self.small(fusedFrom: 16))
        let fused = try StyleGAN.build(weights: weights)
        XCTAssertTrue(fused.report.isExact, fused.report.description)
        let z = GeneratorChecks.latents(2, 16)
        let a = try GeneratorChecks.run(plain, z, ["16x16", "image"]), b = try GeneratorChecks.run(fused, z, ["16x16", "image"])
        for name in ["16x16", "image"] {
            XCTAssertLessThanOrEqual(OnnxRuntimeOracle.relativeError(try XCTUnwrap(b[name]), try XCTUnwrap(a[name])), 1e-5, name)
        }
    }

    func testOwnParametersAndCheckpointLeftoversBindExactly() throws {
        let net = try StyleGAN.build(config: Self.small(), seed: 4)
        var weights = GeneratorChecks.parameters(net, architecture: StyleGAN.architecture)
        XCTAssertNotNil(weights["synthesis.layer5.epilogue.apply_noise.noise"], "noise is a stored buffer")
        XCTAssertEqual(weights["synthesis.layer5.epilogue.apply_noise.noise"]?.shape, [1, 1, 16, 16])
        XCTAssertEqual(weights["mapping.dense7.linear.weight"]?.shape, [16, 16])
        XCTAssertEqual(weights["synthesis.layer3.epilogue.style_mod.dense.linear.weight"]?.shape, [32, 16])
        XCTAssertEqual(weights["synthesis.output3.conv.weight"]?.shape, [3, 8, 1, 1])
        XCTAssertEqual(try StyleGAN.config(inferredFrom: weights), Self.small())
        // What an interfacegan state dict also holds: progressive-growing leftovers and fixed buffers.
        weights["synthesis.lod"] = Tensor(scalar: 0)
        weights["synthesis.output0.conv.weight"] = Tensor(zeros: [3, 16, 1, 1], dtype: .float32)
        weights["synthesis.output0.bias"] = Tensor(zeros: [3], dtype: .float32)
        weights["synthesis.layer2.blur.kernel"] = Tensor(zeros: [16, 1, 3, 3], dtype: .float32)
        weights["truncation.truncation"] = Tensor(zeros: [1, 8, 1], dtype: .float32)
        let rebuilt = try StyleGAN.build(weights: weights)
        XCTAssertTrue(rebuilt.report.isExact, rebuilt.report.description)
        let z = GeneratorChecks.latents(1, 16)
        XCTAssertEqual(try GeneratorChecks.run(rebuilt, z, ["image"])["image"]?.floats, try GeneratorChecks.run(net, z, ["image"])["image"]?.floats)

        // Without the noise buffers (as PyTorch ports often save) the rest still binds, noise reseeded.
        for name in weights.names where name.hasSuffix("apply_noise.noise") { weights[name] = nil }
        XCTAssertTrue(try StyleGAN.build(weights: weights).report.isExact)
    }

    func testFullTruncationMakesEveryLatentTheAverageImage() throws {
        let net = try StyleGAN.build(config: Self.small(psi: 0, cutoff: 8), seed: 5)
        let a = try GeneratorChecks.run(net, GeneratorChecks.latents(1, 16, seed: 1), ["image", "w"])
        let b = try GeneratorChecks.run(net, GeneratorChecks.latents(1, 16, seed: 2), ["image", "w"])
        XCTAssertNotEqual(a["w"]?.floats, b["w"]?.floats)
        XCTAssertLessThanOrEqual(OnnxRuntimeOracle.relativeError(try XCTUnwrap(a["image"]), try XCTUnwrap(b["image"])), 1e-6)
        // Truncating only the first two layers leaves the later styles free.
        let partial = try StyleGAN.build(config: Self.small(psi: 0, cutoff: 2), seed: 5)
        let c = try GeneratorChecks.run(partial, GeneratorChecks.latents(1, 16, seed: 1), ["image"])
        let d = try GeneratorChecks.run(partial, GeneratorChecks.latents(1, 16, seed: 2), ["image"])
        XCTAssertGreaterThan(OnnxRuntimeOracle.relativeError(try XCTUnwrap(c["image"]), try XCTUnwrap(d["image"])), 1e-3)
    }

    /// AdaIN by hand: with layer 1's style weights zero and its style bias (s, t), every channel
    /// of the 4×4 block output is instance-normalised then scaled by 1 + s and shifted by t, so
    /// its spatial mean is t and its (population) standard deviation |1 + s|.
    func testAdaINSetsEachChannelsMeanAndSpread() throws {
        let base = try StyleGAN.build(config: Self.small(), seed: 6)
        var weights = GeneratorChecks.parameters(base, architecture: StyleGAN.architecture)
        let prefix = "synthesis.layer1.epilogue"
        let s = (0..<16).map { Float($0) / 8 - 1.5 }, t = (0..<16).map { Float($0) / 4 - 2 }
        weights["\(prefix).style_mod.dense.linear.weight"] = Tensor(zeros: [32, 16], dtype: .float32)
        weights["\(prefix).style_mod.dense.wscale.bias"] = Tensor(shape: [32], floats: s + t)
        weights["\(prefix).apply_noise.weight"] = Tensor(shape: [16], floats: Array(repeating: 1, count: 16))
        let net = try StyleGAN.build(weights: weights)
        XCTAssertTrue(net.report.isExact)
        let x = try XCTUnwrap(try GeneratorChecks.run(net, GeneratorChecks.latents(2, 16), ["4x4"])["4x4"]).floats
        for n in 0..<2 {
            for c in 0..<16 {
                let v = x[(n * 16 + c) * 16..<(n * 16 + c + 1) * 16].map(Double.init)
                let mean = v.reduce(0, +) / 16
                let std = (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 16).squareRoot()
                XCTAssertEqual(mean, Double(t[c]), accuracy: 1e-4, "channel \(c) mean")
                XCTAssertEqual(std, Double(abs(1 + s[c])), accuracy: 1e-3, "channel \(c) spread")
            }
        }
    }

    func testClearErrors() {
        XCTAssertTrue(GeneratorChecks.errorMessage { try StyleGAN.build(config: .init(resolution: 48)) }.contains("power of two"))
        XCTAssertTrue(GeneratorChecks.errorMessage { try StyleGAN.build(config: .init(resolution: 32, channels: [8, 8])) }
            .contains("needs 4 positive depths"))
        XCTAssertTrue(GeneratorChecks.errorMessage { try StyleGAN.build(weights: StateDict([("x", Tensor(scalar: 1))])) }
            .contains("no 'mapping.dense0.linear.weight'"))
    }
}
