import Foundation
import Importer
import Plugins
import Runtime
import XCTest

// docs/plugins.md shows this architecture as the example of a GAN added in Swift; it lives
// here so that it compiles and runs (DocExampleArchitectureTests), and the docs test checks
// that the text in the docs is this file's.

/// A small generator: z (N, nz) → Linear → (N, c, 4, 4) → ReLU (`layer1`)
/// → ConvTranspose 4×4 stride 2 → Tanh → image (N, 3, 8, 8) in [-1, 1].
/// Parameters: `fc.weight` [16c, nz], `fc.bias` [16c], `up.weight` [c, 3, 4, 4], `up.bias` [3].
public enum TinyGAN: GeneratorArchitecture {
    public static let architecture = "tinygan"

    public struct Config: Equatable {
        public var latentSize: Int
        public var channels: Int

        public init(latentSize: Int = 16, channels: Int = 8) {
            self.latentSize = latentSize
            self.channels = channels
        }
    }

    /// nz and c from the shape of `fc.weight`.
    public static func config(inferredFrom weights: StateDict) throws -> Config {
        guard let w = weights["fc.weight"]?.shape, w.count == 2, w[0] % 16 == 0 else {
            throw RuntimeError.invalid("tinygan: the checkpoint needs fc.weight shaped [16·c, nz]")
        }
        return Config(latentSize: w[1], channels: w[0] / 16)
    }

    public static func metadata(_ c: Config) throws -> GeneratorMetadata {
        GeneratorMetadata(latentShape: [c.latentSize], imageShape: [3, 8, 8], defaultCut: "layer1")
    }

    public static func build(weights: StateDict = StateDict(), config: Config? = nil, seed: UInt64 = 0) throws -> BuiltNetwork {
        let c = try config ?? (weights.isEmpty ? Config() : Self.config(inferredFrom: weights))
        var n = NetworkBuilder(name: architecture, weights: WeightBinder(weights, seed: seed))
        let z = n.input("z", shape: [nil, c.latentSize])
        var x = n.linear(z, "fc", in: c.latentSize, out: 16 * c.channels)
        x = n.name(n.relu(n.reshape(x, [-1, c.channels, 4, 4])), "layer1")
        x = n.convTranspose(x, "up", in: c.channels, out: 3, kernel: 4, stride: 2, pad: 1)
        n.output(n.name(n.tanh(x), "image"))
        let (model, report) = n.finish()
        return BuiltNetwork(model: model, report: report, inputs: ["z"], outputs: ["image"], namedLayers: ["layer1"])
    }
}

final class DocExampleArchitectureTests: XCTestCase {
    /// Registered with one line, the example imports a checkpoint and samples like a built-in.
    func testTheDocsExampleArchitectureWorksThroughTheRegistry() throws {
        var registry = try PluginRegistry.standard()
        try registry.registerGenerator("tinygan", TinyGAN.self)

        let dir = try RegistryFixture.tempDir()
        let trained = try TinyGAN.build(config: TinyGAN.Config(latentSize: 4, channels: 2), seed: 8)
        try SafeTensors.write(trained.stateDict, to: "\(dir)/tiny.safetensors")
        let request = ModelImporter.Request(checkpoint: "\(dir)/tiny.safetensors", architecture: "tinygan", id: "tiny")
        let o = try ModelImporter.run(request, catalogPath: "\(dir)/plugins.json", registry: registry)
        XCTAssertTrue(o.report.isExact, "\(o.report)")

        let g = try Zoo(catalog: PluginCatalog(path: "\(dir)/plugins.json"), registry: registry).generator("tiny")
        XCTAssertEqual(g.latentShape, [4])
        XCTAssertEqual(g.defaultCut, "layer1")
        let z = g.sampleLatents(2, seed: 1)
        XCTAssertEqual(try g.generate(z).floats, try Session(model: trained.model).run(["z": z])["image"]!.floats)
        assertClose(try g.run(from: "layer1", g.run(z, to: "layer1")).floats, try g.generate(z).floats, accuracy: 1e-6)
    }
}
