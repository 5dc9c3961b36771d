import Foundation
import ONNXTestSupport
import Plugins
import Runtime
import XCTest

/// The real MediaPipe selfie segmenter on real photographs (skipped until
/// scripts/fetch-models.py has fetched the model and the images).
final class SelfieSegmenterTests: XCTestCase {
    private static var cached: SelfieSegmenter?

    private func segmenter() throws -> SelfieSegmenter {
        if let s = Self.cached { return s }
        let s = try SelfieSegmenter(modelPath: OnnxRuntimeOracle.modelPath(SelfieSegmenter.defaultModelPath))
        Self.cached = s
        return s
    }

    private func photo(_ name: String) throws -> RGBImage {
        try ImageReader.read(path: ImageFixtures.cachedPhoto(name))
    }

    // Measured with the TFLite interpreter (ai-edge-litert 2.3.0) on the original .tflite and
    // Pillow preprocessing: person.jpg 7.59% person (centre crop) / 5.11% (whole frame stretched);
    // china.jpg 2.94% (crop: the pagoda's top reads as a head) / 0.00% (stretched).

    func testPersonPhotographHasASubstantialPersonArea() throws {
        let seg = try segmenter().segment(photo("person.jpg"))
        let person = try XCTUnwrap(seg.area(of: "person"))
        print("person.jpg: person area \(person), mean person score \(seg.meanScores[1])")
        XCTAssertGreaterThan(person, 0.05)
        XCTAssertLessThan(person, 0.3)
    }

    func testTempleHasLittleOrNoPerson() throws {
        let image = try photo("china.jpg")
        let cropped = try XCTUnwrap(try segmenter().segment(image).area(of: "person"))
        let stretched = try XCTUnwrap(try segmenter().segment(prepared: image.resized(width: 256, height: 256)).area(of: "person"))
        print("china.jpg: person area \(cropped) (centre crop), \(stretched) (whole frame stretched)")
        XCTAssertLessThan(cropped, 0.05)
        XCTAssertLessThan(stretched, 0.01)
    }

    func testPreparedInputMustBeTheModelSize() throws {
        let small = RGBImage(width: 8, height: 8, pixels: [UInt8](repeating: 0, count: 192))
        XCTAssertThrowsError(try segmenter().segment(prepared: small))
    }

    func testSegmentationIsConsistentWithItsScores() throws {
        let seg = try segmenter().segment(photo("person.jpg"))
        XCTAssertEqual(seg.classNames, ["background", "person"])
        XCTAssertEqual([seg.width, seg.height], [256, 256])
        XCTAssertEqual(seg.scores.shape, [2, 256, 256])
        XCTAssertEqual(seg.areas.reduce(0, +), 1, accuracy: 1e-12)
        let s = seg.scores.floats, n = 256 * 256
        var personPixels = 0
        for i in 0..<n {
            XCTAssertEqual(s[i] + s[n + i], 1, accuracy: 1e-6)
            XCTAssertEqual(seg.labels[i], s[n + i] > 0.5 ? 1 : 0)
            personPixels += Int(seg.labels[i])
        }
        XCTAssertEqual(seg.areas[1], Double(personPixels) / Double(n))
        XCTAssertEqual(seg.meanScores[1], Double(s[n...].reduce(0, +)) / Double(n), accuracy: 1e-4)
    }

    func testMatchesOnnxRuntimeOnBothBackends() throws {
        let model = try OnnxRuntimeOracle.modelPath(SelfieSegmenter.defaultModelPath)
        let reference = try SelfieSegmenter(modelPath: model, backend: .reference)
        for name in ["person.jpg", "china.jpg"] {
            let input = try SelfieSegmenter.prepare(photo(name)).tensorNHWC()
            let ort = try XCTUnwrap(OnnxRuntimeOracle.run(model: model, feeds: ["image": input], outputs: ["person"])["person"])
            for (backend, segmenter) in [("dnnl", try segmenter()), ("reference", reference)] {
                let ours = try segmenter.personProbability(input)
                XCTAssertEqual(ours.shape, [1, 256, 256, 1])
                XCTAssertEqual(ort.shape, ours.shape)
                let err = OnnxRuntimeOracle.relativeError(ours, ort)
                print("\(name), \(backend): max |ours − onnxruntime| = \(err)")
                XCTAssertLessThanOrEqual(err, 1e-4, "\(name), \(backend)")
            }
        }
    }

    func testRejectsAModelThatIsNotTheSegmenter() throws {
        let other = try OnnxRuntimeOracle.modelPath("models/cache/dcgan-faces/dcgan-faces.onnx")
        XCTAssertThrowsError(try SelfieSegmenter(modelPath: other))
    }
}
