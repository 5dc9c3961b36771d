import Foundation
import Importer
import ONNXTestSupport
import Plugins
import Runtime
import XCTest

/// `seeing import` as a library call: checkpoints of every format onto a built-in
/// architecture, nested dicts unwrapped, every mismatch reported, ids never clobbered.
final class ImportTests: XCTestCase {
    var dir = ""
    var plugins = ""

    override func setUpWithError() throws {
        dir = try RegistryFixture.tempDir()
        plugins = "\(dir)/plugins.json"
    }

    /// A small DCGAN (nz 8, ngf 2) with seeded weights, as a state dict, and its output for `z`.
    func smallDCGAN() throws -> (weights: StateDict, z: Tensor, image: Tensor) {
        let net = try DCGAN.build(config: DCGAN.Config(latentSize: 8, features: 2, imageChannels: 3), seed: 9)
        let g = net.model.graph
        let weights = StateDict(net.report.parameters.compactMap { n in g.initializers[n].map { (n, $0) } })
        let z = Tensor.randomNormal([2, 8], seed: 4)
        return (weights, z, try Session(model: net.model).run(["z": z])["image"]!)
    }

    func importing(_ file: String, arch: String = "dcgan", id: String? = "small", prefix: String? = nil,
                   configure: (inout ModelImporter.Request) -> Void = { _ in }) throws -> ModelImporter.Outcome {
        var r = ModelImporter.Request(checkpoint: file, architecture: arch, id: id, prefix: prefix)
        configure(&r)
        return try ModelImporter.run(r, catalogPath: plugins, registry: .standard())
    }

    /// The real DCGAN face checkpoint (its generator nested under `netG_state_dict`) imports
    /// with --arch dcgan and matches the ONNX conversion of the same weights.
    func testRealDCGANCheckpointImportsAndMatchesItsONNXConversion() throws {
        let pth = try OnnxRuntimeOracle.modelPath("models/cache/dcgan-faces/weights.pth")
        let o = try importing(pth, id: "faces")
        XCTAssertEqual(o.prefix, "netG_state_dict")
        XCTAssertTrue(o.prefixDetected)
        XCTAssertTrue(o.report.isExact, "\(o.report)")
        XCTAssertEqual(o.report.loaded.count, 21)
        XCTAssertEqual(o.verification.shapes["image"], [2, 3, 64, 64])
        let g = try Zoo(path: plugins).generator("faces")
        let z = g.sampleLatents(3, seed: 11)
        let converted = try OnnxRuntimeOracle.modelPath("models/cache/dcgan-faces/dcgan-faces.onnx")
        let reference = try Session(model: ONNXImporter.load(path: converted).model).run(["z": z.reshaped([3, 100, 1, 1])])["image"]!
        XCTAssertLessThan(OnnxRuntimeOracle.relativeError(try g.generate(z), reference), 1e-5)
        // The written entry says where the weights came from.
        let entry = try PluginCatalog(path: plugins).model("faces")
        XCTAssertTrue(entry.provenance.contains("weights.pth (pytorch, sha256 0c3b90b1"), entry.provenance)
        XCTAssertEqual(entry.files.map(\.path), ["models/faces/faces.onnx"])
        // An explicit --prefix does the same.
        let explicit = try importing(pth, id: "faces2", prefix: "netG_state_dict")
        XCTAssertFalse(explicit.prefixDetected)
        XCTAssertTrue(explicit.report.isExact)
    }

    func testSafetensorsWithAWrappingKeyIsUnwrapped() throws {
        let (weights, z, image) = try smallDCGAN()
        try SafeTensors.write(weights.prefixed("ema."), to: "\(dir)/small.safetensors")
        let o = try importing("\(dir)/small.safetensors", id: nil)
        XCTAssertEqual(o.entry.id, "small")
        XCTAssertEqual(o.prefix, "ema")
        XCTAssertTrue(o.report.isExact, "\(o.report)")
        let g = try Zoo(path: plugins).generator("small")
        XCTAssertEqual(g.latentShape, [8])
        XCTAssertEqual(try g.generate(z).floats, image.floats)
        // The file is registered with its real hash and size.
        let file = try XCTUnwrap(o.entry.primaryFile)
        XCTAssertEqual(try RegistryFixture.digest("\(dir)/\(file.path)").sha256, file.sha256)
    }

    func testUnwrappedDCGANKeepsItsMainPrefix() throws {
        let (weights, z, image) = try smallDCGAN()
        // Every name starts with "main.": a single first component that is not a wrapper.
        try SafeTensors.write(weights, to: "\(dir)/plain.safetensors")
        let o = try importing("\(dir)/plain.safetensors")
        XCTAssertNil(o.prefix)
        XCTAssertTrue(o.report.isExact, "\(o.report)")
        XCTAssertEqual(try Zoo(path: plugins).generator("small").generate(z).floats, image.floats)
    }

    func testONNXInitializersImport() throws {
        let (weights, z, image) = try smallDCGAN()
        var model = try DCGAN.build(weights: weights).model
        model.graph.name = "someone-elses-export"
        try ONNXExporter.write(model, to: "\(dir)/exported.onnx")
        let o = try importing("\(dir)/exported.onnx")
        XCTAssertEqual(o.format, .onnx)
        XCTAssertTrue(o.report.missing.isEmpty && o.report.misshaped.isEmpty, "\(o.report)")
        XCTAssertEqual(try Zoo(path: plugins).generator("small").generate(z).floats, image.floats)
    }

    func testEveryMissingAndMisshapedTensorIsReported() throws {
        var (weights, _, _) = try smallDCGAN()
        weights["main.4.running_var"] = nil
        weights["main.1.weight"] = Tensor(zeros: [3])
        weights["extra.thing"] = Tensor(zeros: [1])
        try SafeTensors.write(weights, to: "\(dir)/bad.safetensors")
        XCTAssertThrowsPluginError(.weights, ["does not fit", "--allow-partial", "missing (1): main.4.running_var",
                                              "unexpected (1): extra.thing", "mis-shaped: main.1.weight expected [16], got [3]"]) {
            try importing("\(dir)/bad.safetensors")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: plugins), "nothing written on failure")
        let o = try importing("\(dir)/bad.safetensors") { $0.allowPartial = true }
        XCTAssertEqual(o.report.missing, ["main.4.running_var"])
        XCTAssertNoThrow(try Zoo(path: plugins).generator("small"))
    }

    func testExistingIdsAreNeverClobberedWithoutForce() throws {
        let (weights, _, _) = try smallDCGAN()
        try SafeTensors.write(weights, to: "\(dir)/w.safetensors")
        _ = try importing("\(dir)/w.safetensors")
        let before = try Data(contentsOf: URL(fileURLWithPath: plugins))
        XCTAssertThrowsPluginError(.duplicateID, ["model 'small' is already in", "--force"]) { try importing("\(dir)/w.safetensors") }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: plugins)), before)
        _ = try importing("\(dir)/w.safetensors") { $0.force = true; $0.licence = "CC0" }
        let c = try PluginCatalog(path: plugins)
        XCTAssertEqual(c.ids, ["small"])
        XCTAssertEqual(try c.model("small").licence, "CC0")
        // A stray file of that name is not overwritten either.
        try FileManager.default.createDirectory(atPath: "\(dir)/models/other", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: "\(dir)/models/other/other.onnx", contents: Data("mine".utf8))
        XCTAssertThrowsPluginError(.duplicateID, ["models/other/other.onnx already exists"]) { try importing("\(dir)/w.safetensors", id: "other") }
    }

    func testBadRequestsAreClear() throws {
        let (weights, _, _) = try smallDCGAN()
        try SafeTensors.write(weights, to: "\(dir)/w.safetensors")
        XCTAssertThrowsPluginError(.unknownID, ["unknown architecture 'dcgan2'", "generator: progan, wgangp"]) { try importing("\(dir)/w.safetensors", arch: "dcgan2") }
        XCTAssertThrowsPluginError(.weights, ["no tensors under the prefix 'netG'", "its names start with: main"]) {
            try importing("\(dir)/w.safetensors", prefix: "netG")
        }
        XCTAssertThrowsPluginError(.weights, ["cannot import", "onto 'progan'"]) { try importing("\(dir)/w.safetensors", arch: "progan") }
        XCTAssertThrowsPluginError(.schema, ["invalid model id 'a/b'"]) { try importing("\(dir)/w.safetensors", id: "a/b") }
    }
}
