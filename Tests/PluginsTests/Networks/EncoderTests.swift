import ONNXTestSupport
import Plugins
import Runtime
import XCTest

final class EncoderTests: XCTestCase {
    static let smallResNet = EncoderResNet18.Config(height: 64, width: 64, baseWidth: 8, outChannels: 16)

    // MARK: e_f

    func testResNet18EncoderShapesAndNames() throws {
        let built = try EncoderResNet18.build(config: Self.smallResNet, seed: 1)
        XCTAssertEqual(built.outputs, ["r4"])
        XCTAssertEqual(built.namedLayers, ["layer1", "layer2", "layer3", "layer4", "r4"])
        let sd = built.stateDict
        XCTAssertEqual(sd["conv1.weight"]?.shape, [8, 3, 7, 7])
        XCTAssertEqual(sd["layer2.0.downsample.0.weight"]?.shape, [16, 8, 1, 1])
        XCTAssertNil(sd["layer1.0.downsample.0.weight"], "layer1 keeps its width: identity shortcut")
        XCTAssertEqual(sd["layer5.conv5.weight"]?.shape, [16, 64, 1, 1])
        XCTAssertEqual(sd["layer5.conv5.bias"]?.floats, [Float](repeating: 0, count: 16))
        let out = try Session(model: built.model).run(["image": Tensor.randomNormal([2, 3, 64, 64], seed: 2)],
                                                     outputs: built.namedLayers)
        XCTAssertEqual(out["layer1"]?.shape, [2, 8, 16, 16])
        XCTAssertEqual(out["layer4"]?.shape, [2, 64, 2, 2])
        XCTAssertEqual(out["r4"]?.shape, [2, 16, 2, 2])
        XCTAssertTrue(out["r4"]!.floats.contains { $0 < 0 }, "LeakyReLU, not ReLU, ends it")
    }

    func testResNet18EncoderMatchesOnnxRuntimeAndRoundTrips() throws {
        var config = Self.smallResNet
        config.inputChannels = 1
        let fresh = try EncoderResNet18.build(config: config, seed: 3)
        let built = try EncoderResNet18.build(weights: NetworkChecks.perturbed(fresh.stateDict, seed: 4), config: config)
        try NetworkChecks.assertMatchesOnnxRuntime(built, feeds: ["image": Tensor.randomNormal([2, 1, 64, 64], seed: 5)])
        try NetworkChecks.assertRoundTrip(built) { sd in
            var c = EncoderResNet18.config(inferredFrom: sd)
            XCTAssertEqual(c, EncoderResNet18.Config(inputChannels: 1, baseWidth: 8, outChannels: 16))
            c.height = 64
            c.width = 64
            return try EncoderResNet18.build(weights: sd, config: c, seed: 6)
        }
    }

    // MARK: e1 … e4

    func testLayerEncoderShapesAndNames() throws {
        let expected: [EncoderLayer.Kind: (input: [Int], output: [Int], names: [String])] = [
            .e4: ([1, 8, 8, 8], [1, 8, 8, 8], ["conv1", "bn1", "conv2", "bn2", "conv3"]),
            .e3: ([1, 8, 8, 8], [1, 8, 4, 4], ["conv1", "bn1", "conv2", "bn2", "conv3"]),
            .e2: ([1, 8, 4, 4], [1, 8, 4, 4], ["conv1", "bn1", "conv2", "bn2"]),
            .e1: ([1, 8, 4, 4], [1, 8, 1, 1], ["conv1", "bn1", "conv2"]),
        ]
        for kind in EncoderLayer.Kind.allCases {
            let e = expected[kind]!
            let built = try EncoderLayer.build(config: .init(kind: kind, channels: 8), seed: 7)
            XCTAssertEqual(built.inputs, [kind.inputName])
            XCTAssertEqual(built.outputs, [kind.outputName])
            let modules = Set(built.stateDict.names.map { String($0.prefix { $0 != "." }) })
            XCTAssertEqual(modules, Set(e.names), "\(kind)")
            let x = Tensor.randomNormal(e.input, seed: 8)
            let y = try XCTUnwrap(Session(model: built.model).run([kind.inputName: x])[kind.outputName])
            XCTAssertEqual(y.shape, e.output, "\(kind)")
            if kind == .e1 {
                // Ends with PixelNorm: the mean square over channels is 1.
                XCTAssertEqual(y.floats.map { $0 * $0 }.reduce(0, +) / 8, 1, accuracy: 1e-4)
            }
        }
        XCTAssertEqual(try EncoderLayer.build(config: .init(kind: .e1, channels: 8)).stateDict["conv1.weight"]?.shape, [8, 8, 4, 4])
    }

    func testLayerEncodersMatchOnnxRuntimeAndRoundTrip() throws {
        for kind in EncoderLayer.Kind.allCases {
            let config = EncoderLayer.Config(kind: kind, channels: 8, inChannels: 6)
            let fresh = try EncoderLayer.build(config: config, seed: 9)
            let built = try EncoderLayer.build(weights: NetworkChecks.perturbed(fresh.stateDict, seed: 10), config: config)
            let size = kind.defaultSize
            try NetworkChecks.assertMatchesOnnxRuntime(built, feeds: [kind.inputName: Tensor.randomNormal([2, 6, size, size], seed: 11)])
            try NetworkChecks.assertRoundTrip(built) { try EncoderLayer.build(weights: $0, config: config, seed: 12) }
        }
    }

    func testLayerKindIsReadFromWeightsWhereItCanBe() throws {
        for kind in [EncoderLayer.Kind.e1, .e2] {
            let sd = try EncoderLayer.build(config: .init(kind: kind, channels: 8)).stateDict
            XCTAssertEqual(try EncoderLayer.config(inferredFrom: sd), .init(kind: kind, channels: 8, inChannels: 8))
        }
        let e3 = try EncoderLayer.build(config: .init(kind: .e3, channels: 8)).stateDict
        XCTAssertThrowsError(try EncoderLayer.build(weights: e3)) { error in
            XCTAssertTrue("\(error)".contains("e3 and e4"), "\(error)")
        }
    }

    /// scripts/tools/make_network_fixtures.py: e_f at width 4 (out 8) on a 64² image and the
    /// layer encoders at 8 channels from an 8×8 r4, in PyTorch with random BatchNorm statistics,
    /// under HybridLayerNormEncoder's names.
    func testPartsMatchThePyTorchReference() throws {
        let fixture = try TorchFixture("encoder-tiny")
        let weights = fixture.weights
        var resnet = EncoderResNet18.config(inferredFrom: weights, prefix: HybridEncoder.resnetPrefix)
        XCTAssertEqual(resnet, EncoderResNet18.Config(baseWidth: 4, outChannels: 8))
        resnet.height = 64
        resnet.width = 64
        let ef = try EncoderResNet18.build(weights: weights.subdict("resnet"), config: resnet)
        XCTAssertTrue(ef.report.isExact, "\(ef.report)")
        let r4 = try XCTUnwrap(Session(model: ef.model).run(["image": fixture("input.image")])["r4"])
        XCTAssertLessThanOrEqual(OnnxRuntimeOracle.relativeError(r4, try fixture("output.resnet.r4")), 1e-4)

        var r = try fixture("input.r4")
        for (prefix, kind) in HybridEncoder.layers {
            let part = try EncoderLayer.build(weights: weights.subdict(prefix), config: .init(kind: kind, channels: 8))
            XCTAssertTrue(part.report.isExact, "\(prefix) \(part.report)")
            r = try XCTUnwrap(Session(model: part.model).run([kind.inputName: r])[kind.outputName])
            let reference = try fixture("output.\(prefix)\(kind.outputName)")
            XCTAssertEqual(r.shape, reference.shape)
            XCTAssertLessThanOrEqual(OnnxRuntimeOracle.relativeError(r, reference), 1e-4, "\(prefix)")
            r = reference // each part checked on the reference's input
        }
    }

    // MARK: E = e1∘e2∘e3∘e4∘e_f

    func testHybridEncoderComposesTheParts() throws {
        let config = HybridEncoder.Config(resnet: .init(baseWidth: 4, outChannels: 8), channels: 8)
        let fresh = try HybridEncoder.build(config: config, seed: 13)
        XCTAssertEqual(fresh.namedLayers, ["r4", "r3", "r2", "r1", "z"])
        XCTAssertEqual(fresh.outputs, ["z"])
        let prefixes = Set(fresh.stateDict.names.map { String($0.prefix { $0 != "." }) })
        XCTAssertEqual(prefixes, ["resnet", "inv4", "inv3", "inv2", "inv1"])
        XCTAssertNotNil(fresh.stateDict["resnet.layer5.conv5.weight"])
        XCTAssertNotNil(fresh.stateDict["inv3.conv3.weight"])
        XCTAssertNil(fresh.stateDict["inv2.conv3.weight"])

        let built = try HybridEncoder.build(weights: NetworkChecks.perturbed(fresh.stateDict, seed: 14), config: config)
        let image = Tensor.randomNormal([1, 3, 256, 256], seed: 15)
        let out = try NetworkChecks.assertMatchesOnnxRuntime(built, feeds: ["image": image])
        XCTAssertEqual(out["r4"]?.shape, [1, 8, 8, 8])
        XCTAssertEqual(out["r3"]?.shape, [1, 8, 8, 8])
        XCTAssertEqual(out["r2"]?.shape, [1, 8, 4, 4])
        XCTAssertEqual(out["r1"]?.shape, [1, 8, 4, 4])
        XCTAssertEqual(out["z"]?.shape, [1, 8, 1, 1])

        // The parts, built alone from the same weights, compose to the same z.
        let sd = built.stateDict
        var r = try Session(model: EncoderResNet18.build(weights: sd.subdict("resnet"), config: config.resnet).model).run(["image": image])["r4"]!
        for (prefix, kind) in HybridEncoder.layers {
            let part = try EncoderLayer.build(weights: sd.subdict(prefix), config: .init(kind: kind, channels: 8))
            XCTAssertTrue(part.report.isExact, "\(prefix): \(part.report)")
            r = try Session(model: part.model).run([kind.inputName: r])[kind.outputName]!
        }
        XCTAssertLessThanOrEqual(OnnxRuntimeOracle.relativeError(r, out["z"]!), 1e-5)

        try NetworkChecks.assertRoundTrip(built) { try HybridEncoder.build(weights: $0, seed: 16) }
    }

    func testHybridEncoderRefusesImagesTooSmallForE1() {
        XCTAssertThrowsError(try HybridEncoder.build(config: .init(resnet: .init(height: 64, width: 64, baseWidth: 4), channels: 8))) { error in
            XCTAssertTrue("\(error)".contains("4×4"), "\(error)")
        }
    }

    /// The original's sizes: e_f ≈ 11.4 M and E ≈ 30.6 M parameters (PyTorch's count, without
    /// BatchNorm running statistics). Exactly: ResNet-18 without its fc has 11,176,512, plus the
    /// 1×1 conv 512·512 + 512 = 11,439,168. Each 3×3 conv 512→512 has 2,359,808, a BatchNorm
    /// 1,024, a 1×1 conv 262,656, e1's 4×4 conv 4,194,816: e4 = e3 = 4,984,320, e2 = 4,721,664,
    /// e1 = 4,458,496; E = 30,587,968.
    func testParameterCountsAtFullSizeMatchTheOriginal() throws {
        let e = try HybridEncoder.build()
        let sd = e.stateDict
        XCTAssertEqual(NetworkChecks.torchParameterCount(sd.subdict("resnet")), 11_439_168)
        XCTAssertEqual(NetworkChecks.torchParameterCount(sd), 30_587_968)
        XCTAssertEqual(NetworkChecks.torchParameterCount(sd.subdict("inv1")), 4_458_496)
        XCTAssertEqual(NetworkChecks.torchParameterCount(sd.subdict("inv2")), 4_721_664)
        // graph.parameterCount also counts the running statistics (2 × 512 per BatchNorm) and
        // the PixelNorms' ε constants.
        let runningStats = sd.names.filter { $0.hasSuffix("running_mean") || $0.hasSuffix("running_var") }.reduce(0) { $0 + sd[$1]!.count }
        XCTAssertGreaterThanOrEqual(e.model.graph.parameterCount, 30_587_968 + runningStats)
    }
}
