import ONNXTestSupport
import Plugins
import Runtime
import XCTest

final class UPerNetTests: XCTestCase {
    /// A narrow UPerNet at 64² (C5 is 2×2): fast enough to run everywhere.
    static let small = UPerNet.Config(classes: 7, height: 64, width: 64, baseWidth: 8, ppmChannels: 16, fpnChannels: 16)

    /// A network with non-trivial BatchNorms whose logits on `image` stay within ±4. Random
    /// BatchNorm statistics do not normalise, so activations grow through the ResNet (to ~10⁴);
    /// softmax of such logits turns float rounding into large score differences, which would
    /// test the conditioning, not the graph. Scaling the last conv fixes the logit range.
    func wellConditioned(_ config: UPerNet.Config, seed: UInt64, image: Tensor) throws -> BuiltNetwork {
        var sd = NetworkChecks.perturbed(try UPerNet.build(config: config, seed: seed).stateDict, seed: seed + 1)
        let probe = try UPerNet.build(weights: sd, config: config)
        let logits = try XCTUnwrap(Session(model: probe.model).run(["image": image], outputs: ["logits"])["logits"])
        let scale = 4 / max(logits.floats.map(abs).max() ?? 1, 1e-6)
        for name in ["decoder.object_head.1.weight", "decoder.object_head.1.bias"] {
            let t = sd[name]!
            sd[name] = Tensor(shape: t.shape, floats: t.floats.map { $0 * scale })
        }
        return try UPerNet.build(weights: sd, config: config)
    }

    func testShapesNamedLayersAndScoresAreADistribution() throws {
        let built = try UPerNet.build(config: Self.small, seed: 1)
        XCTAssertEqual(built.inputs, ["image"])
        XCTAssertEqual(built.outputs, ["scores"])
        XCTAssertEqual(built.namedLayers, ["C2", "C3", "C4", "C5", "ppm", "fusion", "logits"])
        let x = Tensor.randomNormal([2, 3, 64, 64], seed: 2)
        let out = try Session(model: built.model).run(["image": x], outputs: built.outputs + built.namedLayers)
        // Bottleneck stages of width 8: 32, 64, 128, 256 channels at strides 4, 8, 16, 32.
        XCTAssertEqual(out["C2"]?.shape, [2, 32, 16, 16])
        XCTAssertEqual(out["C3"]?.shape, [2, 64, 8, 8])
        XCTAssertEqual(out["C4"]?.shape, [2, 128, 4, 4])
        XCTAssertEqual(out["C5"]?.shape, [2, 256, 2, 2])
        XCTAssertEqual(out["ppm"]?.shape, [2, 16, 2, 2])
        XCTAssertEqual(out["fusion"]?.shape, [2, 16, 16, 16])
        XCTAssertEqual(out["logits"]?.shape, [2, 7, 16, 16])
        let scores = try XCTUnwrap(out["scores"])
        XCTAssertEqual(scores.shape, [2, 7, 64, 64])
        let v = scores.floats
        for n in 0..<2 {
            for p in stride(from: 0, to: 64 * 64, by: 97) {
                let sum = (0..<7).reduce(Float(0)) { $0 + v[(n * 7 + $1) * 4096 + p] }
                XCTAssertEqual(sum, 1, accuracy: 1e-5)
            }
        }
    }

    func testMatchesOnnxRuntimeWithPreprocessingAndPreciseRoIPooling() throws {
        var config = Self.small
        config.includePreprocessing = true
        let image = Tensor.randomNormal([2, 3, 64, 64], seed: 5)
        let built = try wellConditioned(config, seed: 3, image: image)
        XCTAssertTrue(built.report.isExact, "\(built.report)")
        XCTAssertTrue(built.model.graph.nodes.contains { $0.opType == "Gather" }, "the RGB → BGR reorder is in the graph")
        try NetworkChecks.assertMatchesOnnxRuntime(built, feeds: ["image": image])
    }

    func testMatchesOnnxRuntimeWithAdaptivePoolingOfEvenAndUnevenBins() throws {
        // 96² puts C5 at 3×3: scales 1 and 3 are AveragePools, 2 and 6 pooling matrices.
        var config = Self.small
        config.height = 96
        config.width = 96
        config.pooling = .adaptiveAverage
        let image = Tensor.randomNormal([1, 3, 96, 96], seed: 8)
        let built = try wellConditioned(config, seed: 6, image: image)
        let ops = built.model.graph.nodes.map(\.opType)
        XCTAssertEqual(ops.filter { $0 == "AveragePool" }.count, 2)
        XCTAssertEqual(ops.filter { $0 == "MatMul" }.count, 4)
        try NetworkChecks.assertMatchesOnnxRuntime(built, feeds: ["image": image])
    }

    /// scripts/tools/make_network_fixtures.py: the CSAIL layout in PyTorch at width 4, one block
    /// per stage, PPM/FPN 8, 5 classes, 128×64 (C5 4×2, so most scales pool unevenly), random
    /// BatchNorm statistics; PPM pooled by nn.AdaptiveAvgPool2d and by the PrRoI kernel's math.
    func testMatchesThePyTorchReferenceWithBothPoolings() throws {
        let fixture = try TorchFixture("upernet-tiny")
        let inferred = try UPerNet.config(inferredFrom: fixture.weights)
        XCTAssertEqual(inferred.classes, 5)
        XCTAssertEqual(inferred.baseWidth, 4)
        XCTAssertEqual(inferred.blocks, [1, 1, 1, 1])
        for pooling in WholeMapPooling.allCases {
            var config = inferred
            config.height = 128
            config.width = 64
            config.pooling = pooling
            let built = try UPerNet.build(weights: fixture.weights, config: config)
            XCTAssertTrue(built.report.isExact, "\(built.report)")
            // The fixture holds the fusion of the adaptive pooling only. (Scores are the logits
            // resized like the FPN levels and softmaxed: checked against onnxruntime above.)
            let wanted = pooling == .adaptiveAverage ? ["C5", "ppm", "fusion", "logits"] : ["C5", "ppm", "logits"]
            let out = try Session(model: built.model).run(["image": fixture("input.image")], outputs: wanted)
            for name in wanted {
                let key = ["C5", "fusion"].contains(name) ? "output.\(name)" : "output.\(pooling.rawValue).\(name)"
                let reference = try fixture(key)
                XCTAssertEqual(out[name]?.shape, reference.shape, name)
                let err = OnnxRuntimeOracle.relativeError(try XCTUnwrap(out[name]), reference)
                XCTAssertLessThanOrEqual(err, 1e-4, "\(pooling) \(name)")
            }
        }
        // The two poolings differ (PrRoI weighs the map's last row and column less).
        let a = try fixture("output.adaptiveAverage.logits"), p = try fixture("output.preciseRoI.logits")
        XCTAssertGreaterThan(OnnxRuntimeOracle.relativeError(a, p), 1e-3)
    }

    func testWeightsRoundTripAndTheConfigIsReadFromThem() throws {
        let built = try UPerNet.build(config: Self.small, seed: 9)
        let inferred = try UPerNet.config(inferredFrom: built.stateDict)
        XCTAssertEqual(inferred.classes, 7)
        XCTAssertEqual(inferred.baseWidth, 8)
        XCTAssertEqual(inferred.blocks, [3, 4, 6, 3])
        XCTAssertEqual(inferred.ppmChannels, 16)
        XCTAssertEqual(inferred.fpnChannels, 16)
        try NetworkChecks.assertRoundTrip(built) { sd in
            var c = try UPerNet.config(inferredFrom: sd)
            c.height = 64
            c.width = 64
            return try UPerNet.build(weights: sd, config: c, seed: 99)
        }
    }

    func testReleasedEncoderAndDecoderFilesJoinAndUnusedHeadsAreIgnored() throws {
        let sd = try UPerNet.build(config: Self.small, seed: 10).stateDict
        var encoder = sd.subdict("encoder"), decoder = sd.subdict("decoder")
        encoder["bn1.num_batches_tracked"] = Tensor(scalarInt64: 5)
        decoder["scene_head.1.weight"] = Tensor(zeros: [3, 16, 1, 1])
        decoder["part_head.1.bias"] = Tensor(zeros: [4])
        let built = try UPerNet.build(weights: UPerNet.stateDict(encoder: encoder, decoder: decoder))
        XCTAssertEqual(built.report.missing, [])
        XCTAssertEqual(built.report.unexpected, [])
        XCTAssertEqual(Set(built.report.ignored),
                       ["encoder.bn1.num_batches_tracked", "decoder.scene_head.1.weight", "decoder.part_head.1.bias"])
        XCTAssertEqual(built.report.loaded.count, sd.count)
    }

    func testACheckpointWithoutTheObjectHeadIsRefusedWithoutAConfig() {
        let weights = StateDict([("conv1.weight", Tensor(zeros: [64, 3, 3, 3]))])
        XCTAssertThrowsError(try UPerNet.build(weights: weights)) { error in
            XCTAssertTrue("\(error)".contains("decoder.object_head.1.weight"), "\(error)")
        }
    }

    /// Building the 66 M-parameter default takes seconds in a debug build, so the released
    /// layout is checked on its config and on the names/shapes of a narrow build.
    func testTheDefaultConfigIsTheReleasedModelAndShapesFollowTheWidths() throws {
        XCTAssertEqual(UPerNet.Config(), UPerNet.Config(classes: 336, height: 256, width: 256, baseWidth: 64, blocks: [3, 4, 6, 3],
                                                        ppmChannels: 512, fpnChannels: 512, poolScales: [1, 2, 3, 6],
                                                        pooling: .preciseRoI, includePreprocessing: false))
        let sd = try UPerNet.build(config: Self.small).stateDict
        // w = 8: stem 3 → 8 → 8 → 16; C5 = 32·w = 256 channels; PPM 16 × 4 scales; FPN 16.
        XCTAssertEqual(sd["encoder.conv3.weight"]?.shape, [16, 8, 3, 3])
        XCTAssertEqual(sd["encoder.layer1.0.downsample.0.weight"]?.shape, [32, 16, 1, 1])
        XCTAssertNil(sd["encoder.layer1.1.downsample.0.weight"])
        XCTAssertEqual(sd["encoder.layer2.0.conv2.weight"]?.shape, [16, 16, 3, 3])
        XCTAssertEqual(sd["encoder.layer4.2.conv3.weight"]?.shape, [256, 64, 1, 1])
        XCTAssertEqual(sd["decoder.ppm_conv.3.0.weight"]?.shape, [16, 256, 1, 1])
        XCTAssertNil(sd["decoder.ppm_conv.3.0.bias"])
        XCTAssertEqual(sd["decoder.ppm_last_conv.0.weight"]?.shape, [16, 256 + 4 * 16, 3, 3])
        XCTAssertEqual(sd["decoder.fpn_in.0.0.weight"]?.shape, [16, 32, 1, 1])
        XCTAssertEqual(sd["decoder.fpn_in.2.0.weight"]?.shape, [16, 128, 1, 1])
        XCTAssertEqual(sd["decoder.fpn_out.2.0.0.weight"]?.shape, [16, 16, 3, 3])
        XCTAssertEqual(sd["decoder.conv_fusion.0.weight"]?.shape, [16, 4 * 16, 3, 3])
        XCTAssertEqual(sd["decoder.object_head.0.1.running_var"]?.shape, [16])
        XCTAssertEqual(sd["decoder.object_head.1.weight"]?.shape, [7, 16, 1, 1])
        XCTAssertEqual(sd["decoder.object_head.1.bias"]?.shape, [7])
        XCTAssertEqual(UPerNet.input().preprocessing, UPerNet.preprocessing)
        XCTAssertEqual(UPerNet.input(for: .init(includePreprocessing: true)).range, -1...1)
    }
}
