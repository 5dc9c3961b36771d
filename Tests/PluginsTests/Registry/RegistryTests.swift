import Foundation
import ONNXTestSupport
import Plugins
import Runtime
import XCTest

final class RegistryTests: XCTestCase {
    func testDuplicateIdsAreRefusedAndUnknownOnesListTheKnown() throws {
        var r = Registry<Int>(kind: "widget")
        try r.register("a", 1)
        try r.register("b", 2)
        XCTAssertThrowsError(try r.register("a", 3)) { e in
            XCTAssertEqual((e as? PluginError)?.kind, .duplicateID)
            XCTAssertEqual("\(e)", "widget 'a' is already registered; ids must be unique")
        }
        XCTAssertEqual(try r.resolve("b"), 2)
        XCTAssertThrowsError(try r.resolve("c")) { e in
            XCTAssertEqual((e as? PluginError)?.kind, .unknownID)
            XCTAssertEqual("\(e)", "unknown widget 'c'; known: a, b")
        }
        XCTAssertEqual(r.ids, ["a", "b"])
    }

    func testIdsMustBeFileNameSafe() {
        var r = Registry<Int>(kind: "widget")
        for bad in ["", "a/b", "../x", ".hidden", "-x", "a b", String(repeating: "x", count: 101)] {
            XCTAssertThrowsError(try r.register(bad, 0), bad) { XCTAssertEqual(($0 as? PluginError)?.kind, .schema) }
        }
        XCTAssertNoThrow(try r.register("StyleGAN_v1.ffhq-1024", 0))
    }

    func testStandardRegistryHasTheBuiltIns() throws {
        let r = try PluginRegistry.standard()
        XCTAssertEqual(r.generators.ids, ["onnx", "progan", "wgangp", "progan-minibatch-stddev", "dcgan", "stylegan"])
        XCTAssertEqual(r.segmenters.ids, ["onnx", "upernet"])
        XCTAssertEqual(r.featureNets.ids, ["onnx", "vgg16"])
        XCTAssertEqual(r.encoders.ids, ["onnx", "encoder-resnet18", "encoder-layer", "encoder-hybrid", "encoder-conv"])
        for kind in PluginKind.allCases { XCTAssertTrue(r.architectures(kind).contains("onnx"), "\(kind)") }
        XCTAssertEqual(r.losses.ids, ["mse", "l1", "cosine", "perceptual"])
        XCTAssertTrue(r.inversions.ids.isEmpty)
        XCTAssertEqual(try r.architecture("dcgan").kind, .generator)
        XCTAssertThrowsError(try r.architecture("nope")) { e in
            XCTAssertEqual((e as? PluginError)?.kind, .unknownID)
            XCTAssertTrue("\(e)".hasPrefix("unknown architecture 'nope'; known: generator: progan, wgangp"), "\(e)")
        }
        XCTAssertThrowsError(try r.architecture("onnx")) { XCTAssertTrue("\($0)".contains("plugins.json entry"), "\($0)") }
    }

    func testArchitectureIdsAreUniqueAcrossKinds() throws {
        var r = try PluginRegistry.standard()
        let factory: ArchitectureFactory = { _ in throw PluginError(.invalidRequest, "unused") }
        XCTAssertThrowsError(try r.register(.segmenter, "dcgan", factory)) {
            XCTAssertEqual("\($0)", "architecture 'dcgan' is already registered as a generator architecture; ids must be unique")
        }
        XCTAssertThrowsError(try r.register(.generator, "dcgan", factory)) { XCTAssertEqual(($0 as? PluginError)?.kind, .duplicateID) }
        try r.register(.segmenter, "my-segmenter", factory)
        XCTAssertTrue(r.segmenters.contains("my-segmenter"))
    }

    /// Every built-in generator builds fresh through its registration with an interface that
    /// describes the graph (ports, layers) — the slow reference sizes only for the small ones.
    func testBuiltInGeneratorsDescribeTheirGraphs() throws {
        let r = try PluginRegistry.standard()
        for id in ["dcgan", "wgangp"] {
            let built = try r.generators.resolve(id)(ArchitectureInput(seed: 3))
            let i = built.interface
            try i.validate(context: id)
            XCTAssertEqual(i.input(.latent)?.name, "z", id)
            XCTAssertEqual(i.output(.image)?.range, -1...1, id)
            XCTAssertEqual(i.layerNames, built.network.namedLayers, id)
            try PortCheck.check(i, against: built.network.model, context: id)
            let plugin = PluginModel(id: id, architecture: id, model: built.network.model, interface: i)
            let v = try PluginVerifier.verify(plugin)
            XCTAssertEqual(v.shapes["image"], [2] + i.output(.image)!.shape.dropFirst().compactMap(\.value), id)
        }
    }

    func testBuiltInsRefuseAConfigTheyReadFromTheCheckpoint() throws {
        let r = try PluginRegistry.standard()
        let config = JSONNode(try JSONParser.parse(#"{"latentSize": 8}"#), path: "$.models[0].config", source: "p.json")
        XCTAssertThrowsError(try r.generators.resolve("dcgan")(ArchitectureInput(config: config))) {
            XCTAssertEqual("\($0)", "p.json: $.models[0].config: architecture 'dcgan' reads its configuration from the checkpoint; remove \"config\"")
        }
    }

    /// StyleGAN takes its sampling-time settings (truncation) from plugins.json, its sizes from
    /// the checkpoint: ψ = 0 on every layer makes every latent the average image.
    func testStyleGANTakesTruncationFromItsEntry() throws {
        let weights = try StyleGAN.build(config: StyleGANTests.small(), seed: 5).stateDict
        let r = try PluginRegistry.standard()
        let config = JSONNode(try JSONParser.parse(#"{"truncationPsi": 0, "truncationLayers": 8}"#), source: "p.json")
        let net = try r.generators.resolve("stylegan")(ArchitectureInput(weights: weights, config: config)).network
        let a = try GeneratorChecks.run(net, GeneratorChecks.latents(1, 16, seed: 1), ["image"])
        let b = try GeneratorChecks.run(net, GeneratorChecks.latents(1, 16, seed: 2), ["image"])
        XCTAssertLessThanOrEqual(OnnxRuntimeOracle.relativeError(try XCTUnwrap(a["image"]), try XCTUnwrap(b["image"])), 1e-6)
        let plain = try r.generators.resolve("stylegan")(ArchitectureInput(weights: weights)).network
        let c = try GeneratorChecks.run(plain, GeneratorChecks.latents(1, 16, seed: 1), ["image"])
        XCTAssertGreaterThan(OnnxRuntimeOracle.relativeError(try XCTUnwrap(a["image"]), try XCTUnwrap(c["image"])), 1e-3)
        let bad = JSONNode(try JSONParser.parse(#"{"resolution": 64}"#), source: "p.json")
        XCTAssertThrowsError(try r.generators.resolve("stylegan")(ArchitectureInput(weights: weights, config: bad)))
    }

    func testConvEncoderReadsItsConfigFromJSONOrTheCheckpoint() throws {
        let r = try PluginRegistry.standard()
        let config = JSONNode(try JSONParser.parse(#"{"imageSize": 16, "latent": 5, "width": 4}"#), source: "p.json")
        let a = try r.encoders.resolve("encoder-conv")(ArchitectureInput(config: config, seed: 1))
        XCTAssertEqual(a.interface.input(.image)?.shape, [.symbolic("N"), .fixed(3), .fixed(16), .fixed(16)])
        XCTAssertEqual(a.interface.output(.latent)?.shape, [.symbolic("N"), .fixed(5), .fixed(1), .fixed(1)])
        let weights = StateDict(a.network.model.graph.initializerOrder.compactMap { n in
            a.network.report.parameters.contains(n) ? a.network.model.graph.initializers[n].map { (n, $0) } : nil
        })
        let b = try r.encoders.resolve("encoder-conv")(ArchitectureInput(weights: weights))
        XCTAssertTrue(b.network.report.isExact, "\(b.network.report)")
        XCTAssertEqual(b.interface, a.interface)
    }

    func built(_ kind: PluginKind, _ id: String, _ config: String) throws -> BuiltPlugin {
        let r = try PluginRegistry.standard()
        let b = try r.architectures(kind).resolve(id)(ArchitectureInput(config: JSONNode(try JSONParser.parse(config), source: id), seed: 2))
        try b.interface.validate(context: id)
        try PortCheck.check(b.interface, against: b.network.model, context: id)
        return b
    }

    func testUPerNetRegistersAsASegmenter() throws {
        let b = try built(.segmenter, "upernet", #"{"classes": 5, "height": 64, "width": 48, "baseWidth": 4, "blocks": [1, 1, 1, 1], "ppmChannels": 8, "fpnChannels": 8}"#)
        XCTAssertEqual(b.interface.output(.scores)?.shape, [.symbolic("N"), .fixed(5), .fixed(64), .fixed(48)])
        XCTAssertEqual(b.interface.labels?.count, 5)
        // Without the preprocessing in the graph: caffe BGR, 0…255 minus the BGR mean.
        let pre = try XCTUnwrap(b.interface.preprocessing)
        XCTAssertEqual(pre.channels, "BGR")
        XCTAssertEqual(pre.range, 0...255)
        assertClose(pre.mean, [102.9801, 115.9465, 122.7717], accuracy: 1e-3)
        let segmenter = try GraphSegmenter(PluginModel(id: "u", architecture: "upernet", model: b.network.model, interface: b.interface))
        let photo = RGBImage(width: 90, height: 70, pixels: (0..<(90 * 70 * 3)).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let seg = try segmenter.segment(photo)
        XCTAssertEqual([seg.width, seg.height], [48, 64])
        XCTAssertEqual(seg.areas.reduce(0, +), 1, accuracy: 1e-9)
        XCTAssertEqual(try PluginVerifier.verify(segmenter.plugin).shapes["scores"], [2, 5, 64, 48])
    }

    func testVGG16RegistersAsAFeatureNet() throws {
        let b = try built(.featureNet, "vgg16", #"{"through": "relu2_2", "preprocessing": "keras"}"#)
        XCTAssertEqual(b.interface.layerNames, ["relu1_1", "relu1_2", "pool1", "relu2_1", "relu2_2"])
        XCTAssertEqual(b.interface.defaultLayer, "relu2_2")
        XCTAssertEqual(b.interface.outputs[0].shape, [.symbolic("N"), .fixed(128), .symbolic("H'"), .symbolic("W'")])
        let net = try GraphFeatureNet(PluginModel(id: "v", architecture: "vgg16", model: b.network.model, interface: b.interface))
        let f = try net.features(Tensor.randomNormal([1, 3, 16, 24], seed: 1), range: -1...1, layers: ["pool1", "relu2_2"])
        XCTAssertEqual(f["pool1"]?.shape, [1, 64, 8, 12])
        XCTAssertEqual(f["relu2_2"]?.shape, [1, 128, 8, 12])
    }

    func testEncodersRegister() throws {
        let e1 = try built(.encoder, "encoder-layer", #"{"kind": "e1", "channels": 8}"#)
        XCTAssertEqual(e1.interface.inputs[0].name, "r1")
        XCTAssertEqual(e1.interface.inputs[0].shape, [.symbolic("N"), .fixed(8), .fixed(4), .fixed(4)])
        XCTAssertEqual(e1.interface.outputs[0].role, .latent)
        XCTAssertEqual(e1.interface.outputs[0].shape, [.symbolic("N"), .fixed(8), .fixed(1), .fixed(1)])
        let e3 = try built(.encoder, "encoder-layer", #"{"kind": "e3", "channels": 4}"#)
        XCTAssertEqual(e3.interface.outputs[0].shape, [.symbolic("N"), .fixed(4), .fixed(4), .fixed(4)])
        let r = try built(.encoder, "encoder-resnet18", #"{"height": 64, "width": 64}"#)
        XCTAssertEqual(r.interface.outputs[0].shape, [.symbolic("N"), .fixed(512), .fixed(2), .fixed(2)])
        XCTAssertEqual(r.interface.inputs[0].range, -1...1)
    }

    /// The photograph preprocessing derived from a network's input contract is the same map.
    func testContractsBecomeTheSamePreprocessing() throws {
        for (name, p) in [("caffe", VGG16Features.kerasCaffe), ("imagenet", VGG16Features.imagenet), ("none", InputPreprocessing.none)] {
            let contract = InputContract(channels: 3, height: nil, width: nil, range: -1...1, preprocessing: p)
            let (order, scale, shift) = ImagePreprocessing(contract).affine(from: -1...1)
            XCTAssertEqual(order, p.channelOrder, name)
            assertClose(scale, p.scale, accuracy: 1e-3)
            assertClose(shift, p.shift, accuracy: 1e-3)
        }
    }
}
