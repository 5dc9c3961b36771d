import Importer
import ONNXTestSupport
import Runtime
import XCTest

/// Our outputs against onnxruntime's on real, externally made models (fetched by
/// scripts/fetch-models.py), at batch 1 and 8, on both backends: max relative error ≤ 1e-4.
final class RealModelParityTests: XCTestCase {
    let tolerance = 1e-4

    func check(model relative: String, input: String, shape: [Int], outputs: [String], scale: Float = 1,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let path = try OnnxRuntimeOracle.modelPath(relative)
        let model = try ONNXImporter.load(path: path).model
        var x = Tensor.randomNormal(shape, seed: UInt64(shape[0]))
        if scale != 1 {
            x.withUnsafeMutableBufferPointer(as: Float.self) { p in for i in p.indices { p[i] *= scale } }
        }
        let expected = try OnnxRuntimeOracle.run(model: path, feeds: [input: x], outputs: outputs)
        for backend in BackendKind.allCases {
            let got = try Session(model: model, backend: backend).run([input: x], outputs: outputs)
            for o in outputs {
                let (a, b) = (got[o]!, expected[o]!)
                XCTAssertEqual(a.shape, b.shape, "\(relative) \(o) [\(backend)]", file: file, line: line)
                let err = OnnxRuntimeOracle.relativeError(a, b)
                XCTAssertLessThanOrEqual(err, tolerance, "\(relative) \(o) batch \(shape[0]) [\(backend)]: relative error \(err)",
                                         file: file, line: line)
            }
        }
    }

    func testDCGANFacesBatch1() throws {
        try check(model: "models/cache/dcgan-faces/dcgan-faces.onnx", input: "z", shape: [1, 100, 1, 1],
                  outputs: ["image", "main.2", "main.8"])
    }

    func testDCGANFacesBatch8() throws {
        try check(model: "models/cache/dcgan-faces/dcgan-faces.onnx", input: "z", shape: [8, 100, 1, 1],
                  outputs: ["image", "main.11"])
    }

    // The full Keras VGG16 export: NHWC input, a Shape→Gather→Cast→Slice→Concat→Reshape chain,
    // dense head; also checked at relu4_2 (the perceptual-loss layer) and block5_pool.
    static let vggOutputs = ["dense_3", "functional_1/block4_conv2_1/Relu:0", "functional_1/block5_pool_1/MaxPool2d:0"]

    func testVGG16Batch1() throws {
        try check(model: "models/cache/vgg16-keras/vgg16.onnx", input: "input", shape: [1, 240, 240, 3],
                  outputs: Self.vggOutputs, scale: 60)
    }

    func testVGG16Batch8() throws {
        try check(model: "models/cache/vgg16-keras/vgg16.onnx", input: "input", shape: [8, 240, 240, 3],
                  outputs: Self.vggOutputs, scale: 60)
    }
}
