import ONNXTestSupport
import Plugins
import Runtime
import XCTest

final class VGG16FeaturesTests: XCTestCase {
    func testTheDefaultCutIsFeatures0To20WithTorchvisionNames() throws {
        let built = try VGG16Features.build()
        XCTAssertEqual(built.outputs, ["relu4_2"])
        XCTAssertEqual(built.namedLayers, ["relu1_1", "relu1_2", "pool1", "relu2_1", "relu2_2", "pool2",
                                           "relu3_1", "relu3_2", "relu3_3", "pool3", "relu4_1", "relu4_2"])
        // The convs of features[0...20]: indices 0, 2, 5, 7, 10, 12, 14, 17, 19.
        XCTAssertEqual(built.stateDict.names, [0, 2, 5, 7, 10, 12, 14, 17, 19].flatMap { ["features.\($0).weight", "features.\($0).bias"] })
        XCTAssertEqual(built.stateDict["features.19.weight"]?.shape, [512, 512, 3, 3])
        XCTAssertEqual(built.model.graph.nodes.filter { $0.opType == "MaxPool" }.count, 3)
    }

    func testCutsAfterAnyNamedLayerAndRejectsOthers() throws {
        let pool5 = try VGG16Features.build(config: .init(through: "pool5", baseWidth: 4))
        XCTAssertEqual(pool5.namedLayers.count, 18)
        XCTAssertEqual(pool5.stateDict.names.last, "features.28.bias")
        let out = try Session(model: pool5.model).run(["image": Tensor.randomNormal([1, 3, 64, 48], seed: 1)])
        XCTAssertEqual(out["pool5"]?.shape, [1, 32, 2, 1])
        XCTAssertThrowsError(try VGG16Features.build(config: .init(through: "conv4_2"))) { error in
            XCTAssertTrue("\(error)".contains("relu4_2"), "lists the layers: \(error)")
        }
    }

    func testMatchesOnnxRuntimeWithImagenetPreprocessing() throws {
        let config = VGG16Features.Config(through: "relu5_3", baseWidth: 8, preprocessing: VGG16Features.imagenet)
        let built = try VGG16Features.build(config: config, seed: 2)
        try NetworkChecks.assertMatchesOnnxRuntime(built, feeds: ["image": Tensor.randomNormal([2, 3, 48, 40], seed: 3)])
        try NetworkChecks.assertRoundTrip(built) { try VGG16Features.build(weights: $0, config: config, seed: 5) }
        XCTAssertEqual(try VGG16Features.build(weights: built.stateDict).stateDict.names.count, 18, "width read from the weights")
    }

    /// Our graph from the Keras weights against the Keras export itself (scripts/tools/
    /// make_vgg16_features.py: the tf2onnx graph cut at block5_pool, NHWC input already
    /// caffe-preprocessed), at its block4_conv2 ReLU (relu4_2), which it computes in NCHW.
    func testKerasWeightsReproduceTheKerasExportAtRelu4_2() throws {
        let keras = try OnnxRuntimeOracle.modelPath("models/cache/vgg16-keras/vgg16.onnx")
        let features = try OnnxRuntimeOracle.modelPath("models/cache/vgg16-keras/vgg16-features.onnx")
        let weights = try VGG16Features.kerasStateDict(path: keras)
        XCTAssertEqual(weights.count, 26)
        XCTAssertEqual(weights["features.0.weight"]?.shape, [64, 3, 3, 3])
        XCTAssertEqual(weights["features.28.bias"]?.shape, [512])
        let built = try VGG16Features.build(weights: weights)
        XCTAssertEqual(built.report.loaded.count, 18)
        XCTAssertEqual(built.report.unexpected.count, 8, "block4_conv3 … block5_conv3 lie past the cut")

        // Caffe-range input (BGR, mean-subtracted 0–255), NHWC for Keras, NCHW for us.
        let (n, h, w) = (1, 32, 40)
        let nhwc = Tensor(shape: [n, h, w, 3], floats: Tensor.randomNormal([n, h, w, 3], seed: 4).floats.map { $0 * 60 })
        let nchw = transposeNHWCToNCHW(nhwc)
        let theirs = try OnnxRuntimeOracle.run(model: features, feeds: ["input": nhwc],
                                               outputs: ["functional_1/block4_conv2_1/Relu:0"])
        let reference = try XCTUnwrap(theirs["functional_1/block4_conv2_1/Relu:0"])
        let ours = try XCTUnwrap(Session(model: built.model).run(["image": nchw])["relu4_2"])
        XCTAssertEqual(ours.shape, [n, 512, h / 8, w / 8])
        XCTAssertEqual(reference.shape, ours.shape)
        XCTAssertLessThanOrEqual(OnnxRuntimeOracle.relativeError(ours, reference), 1e-4)
    }

    func testKernelsFedThroughATransposeAreReadAsOIHW() throws {
        // A Keras HWIO kernel (1×1, 2 in, 3 out) with element (0, 0, i, o) = 10·i + o, transposed
        // to OIHW by a node: the OIHW tensor is, o-major, [0, 10, 1, 11, 2, 12].
        let hwio = Tensor(shape: [1, 1, 2, 3], floats: [0, 1, 2, 10, 11, 12])
        var g = Graph(name: "keras")
        g.setInitializer("model/block1_conv1/kernel", hwio)
        g.setInitializer("model/block1_conv1/bias", Tensor(shape: [3], floats: [7, 8, 9]))
        g.nodes = [Node(opType: "Transpose", inputs: ["model/block1_conv1/kernel"], outputs: ["k"], attributes: ["perm": .ints([3, 2, 0, 1])]),
                   Node(opType: "Conv", inputs: ["x", "k", "model/block1_conv1/bias"], outputs: ["y"])]
        let sd = try VGG16Features.kerasStateDict(Model(graph: g))
        XCTAssertEqual(sd["features.0.weight"]?.shape, [3, 2, 1, 1])
        XCTAssertEqual(sd["features.0.weight"]?.floats, [0, 10, 1, 11, 2, 12])
        XCTAssertEqual(sd["features.0.bias"]?.floats, [7, 8, 9])
        XCTAssertThrowsError(try VGG16Features.kerasStateDict(Model(graph: Graph(name: "empty"))))
    }

    private func transposeNHWCToNCHW(_ t: Tensor) -> Tensor {
        let (n, h, w, c) = (t.shape[0], t.shape[1], t.shape[2], t.shape[3])
        let v = t.floats
        var out = [Float](repeating: 0, count: v.count)
        for b in 0..<n { for y in 0..<h { for x in 0..<w { for k in 0..<c {
            out[((b * c + k) * h + y) * w + x] = v[((b * h + y) * w + x) * c + k]
        } } } }
        return Tensor(shape: [n, c, h, w], floats: out)
    }
}
