import Foundation
import Importer
import ONNXTestSupport
import Plugins
import Runtime
import XCTest

/// The real models of the zoo, loaded through the registry from the repository's plugins.json
/// (skipped until scripts/fetch-models.py has fetched them).
final class ZooModelTests: XCTestCase {
    func photo(_ name: String) throws -> RGBImage { try ImageReader.read(path: ImageFixtures.cachedPhoto(name)) }

    /// The DCGAN face generator is built from its PyTorch checkpoint by the `dcgan`
    /// architecture and gives the same images as the independent ONNX conversion of the same
    /// weights (scripts/tools/convert_dcgan.py).
    func testDCGANFacesLoadsThroughTheRegistry() throws {
        let zoo = try RegistryFixture.repositoryZoo()
        let g = try RegistryFixture.skipIfMissing { try zoo.generator("dcgan-faces") }
        XCTAssertEqual(g.plugin.architecture, "dcgan")
        XCTAssertEqual(g.latentShape, [100])
        XCTAssertEqual(g.layers, ["layer1", "layer2", "layer3", "layer4"])
        let z = g.sampleLatents(4, seed: 1)
        let images = try g.generate(z)
        XCTAssertEqual(images.shape, [4, 3, 64, 64])
        let x = images.floats
        XCTAssertLessThanOrEqual(x.map(abs).max()!, 1)
        let mean = x.reduce(0, +) / Float(x.count)
        let std = (x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(x.count)).squareRoot()
        XCTAssertGreaterThan(std, 0.2, "a face image has contrast")
        // Two latents, two different faces.
        XCTAssertGreaterThan(zip(x[0..<(3 * 64 * 64)], x[(3 * 64 * 64)..<(6 * 64 * 64)]).map { abs($0 - $1) }.max()!, 0.5)

        let converted = try OnnxRuntimeOracle.modelPath("models/cache/dcgan-faces/dcgan-faces.onnx")
        let reference = try Session(model: ONNXImporter.load(path: converted).model)
            .run(["z": z.reshaped([4, 100, 1, 1])])["image"]!
        XCTAssertLessThan(OnnxRuntimeOracle.relativeError(images, reference), 1e-5)

        // Cut at the default layer and continue: the same image.
        let cut = try XCTUnwrap(g.defaultCut)
        assertClose(try g.run(from: cut, g.run(z, to: cut)).floats, x, accuracy: 1e-5)
    }

    /// The selfie segmenter, given only as ONNX + JSON, finds the person in person.jpg and none
    /// in the stretched china.jpg, exactly as the dedicated SelfieSegmenter does (measured
    /// with the TFLite interpreter: 7.59% / 0.00%, see SelfieSegmenterTests).
    func testSelfieSegmenterLoadsThroughTheRegistry() throws {
        let zoo = try RegistryFixture.repositoryZoo()
        let s = try RegistryFixture.skipIfMissing { try zoo.segmenter("selfie-segmenter") }
        XCTAssertEqual(s.labels, ["background", "person"])
        let person = try s.segment(photo("person.jpg"))
        XCTAssertEqual([person.width, person.height], [256, 256])
        let area = try XCTUnwrap(person.area(of: "person"))
        XCTAssertGreaterThan(area, 0.05)
        XCTAssertLessThan(area, 0.3)
        let china = try photo("china.jpg")
        let stretched = try s.segment(prepared: china.resized(width: 256, height: 256))
        XCTAssertLessThan(try XCTUnwrap(stretched.area(of: "person")), 0.01)

        let dedicated = try SelfieSegmenter(modelPath: zoo.catalog.absolute("models/cache/selfie-segmenter/selfie-segmenter.onnx"))
        let reference = try dedicated.segment(photo("person.jpg"))
        XCTAssertEqual(person.labels, reference.labels)
        XCTAssertEqual(person.areas, reference.areas)
    }

    /// The Keras VGG16 feature net: its preprocessing contract (BGR, 0…255 minus the ImageNet
    /// mean, NHWC) applied in the graph gives what the raw model gives for Keras-style input,
    /// and the features are shaped as the layers say.
    func testVGG16FeatureNetLoadsThroughTheRegistry() throws {
        let zoo = try RegistryFixture.repositoryZoo()
        let f = try RegistryFixture.skipIfMissing { try zoo.featureNet("vgg16-keras") }
        XCTAssertEqual(f.defaultLayer, "relu4_2")
        XCTAssertEqual(f.layers.count, 18)
        let image = try photo("person.jpg").resized(width: 64, height: 48)
        let out = try f.features(of: image, layers: ["relu1_2", "relu4_2", "pool5"])
        XCTAssertEqual(out["relu1_2"]?.shape, [1, 64, 48, 64])
        XCTAssertEqual(out["relu4_2"]?.shape, [1, 512, 6, 8])
        XCTAssertEqual(out["pool5"]?.shape, [1, 512, 1, 2])
        let r42 = out["relu4_2"]!.floats
        XCTAssertGreaterThanOrEqual(r42.min()!, 0)
        XCTAssertGreaterThan(r42.filter { $0 > 0 }.count, r42.count / 20, "a real photo activates relu4_2")

        // Keras' own preprocessing by hand: x[h, w, c] = pixel[h, w, 2 − c] − mean[c] (BGR).
        let mean: [Float] = [103.939, 116.779, 123.68]
        var nhwc = [Float](repeating: 0, count: 48 * 64 * 3)
        for i in 0..<(48 * 64) { for c in 0..<3 { nhwc[i * 3 + c] = Float(image.pixels[i * 3 + 2 - c]) - mean[c] } }
        let raw = try ONNXImporter.load(path: zoo.catalog.absolute("models/cache/vgg16-keras/vgg16-features.onnx")).model
        let reference = try Session(model: raw).run(["input": Tensor(shape: [1, 48, 64, 3], floats: nhwc)],
                                                    outputs: ["functional_1/block4_conv2_1/Relu:0"])
        XCTAssertLessThan(OnnxRuntimeOracle.relativeError(out["relu4_2"]!, reference.values.first!), 1e-4)
    }
}
