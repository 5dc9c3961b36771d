import Foundation
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
        XCTAssertTrue(r.encoders.contains("encoder-conv"))
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
}
