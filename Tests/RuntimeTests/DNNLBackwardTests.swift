import XCTest
@testable import Runtime

/// The dnnl backend's float32 gradients (oneDNN backward primitives) against the reference
/// rules on the reference backend: relative error ≤ 1e-4, and oneDNN must really have run.
final class DNNLBackwardTests: XCTestCase {
    /// Differentiates a one-node graph (inputs x0, x1, …, all fed, so nothing is fused) on both
    /// backends w.r.t. `wrt` (default: every input) and compares.
    @discardableResult
    private func compare(_ op: String, _ inputs: [Tensor], _ attrs: [String: Attribute] = [:], opset: Int = 17,
                         outputs: Int = 1, wrt: [Int]? = nil, expectOneDNN: Bool = true,
                         file: StaticString = #filePath, line: UInt = #line) throws -> DNNLBackward? {
        let names = inputs.indices.map { "x\($0)" }
        let outs = (0..<outputs).map { "y\($0)" }
        let g = Graph(nodes: [Node(opType: op, inputs: names, outputs: outs, attributes: attrs)],
                      inputs: zip(names, inputs).map { ValueInfo(name: $0, dtype: .float32, shape: $1.shape.map { .fixed($0) }) },
                      outputs: [ValueInfo(name: "y0", dtype: nil, shape: nil)])
        let model = Model(graph: g, opsetImports: ["": opset])
        let feeds = Dictionary(uniqueKeysWithValues: zip(names, inputs))
        let wrtNames = (wrt ?? Array(inputs.indices)).map { "x\($0)" }
        let ref = try Session(model: model, backend: .reference)
        let dnnl = try Session(model: model, backend: .dnnl)
        let y = try ref.run(feeds, outputs: ["y0"])["y0"]!
        let cot = DNNLTesting.uniform(y.shape, seed: 77)
        let expected = try ref.gradients(feeds, of: "y0", wrt: wrtNames, cotangent: cot).gradients
        let got = try dnnl.gradients(feeds, of: "y0", wrt: wrtNames, cotangent: cot).gradients
        for name in wrtNames {
            XCTAssertEqual(got[name]?.shape, expected[name]?.shape, "\(op) d\(name) shape", file: file, line: line)
            XCTAssertLessThanOrEqual(DNNLTesting.relativeError(got[name]!, expected[name]!), 1e-4, "\(op) d\(name)", file: file, line: line)
        }
        let backward = DNNLTesting.context(dnnl)?.backward
        if expectOneDNN {
            XCTAssertGreaterThan(backward?.executions ?? 0, 0, "\(op): no oneDNN backward primitive ran", file: file, line: line)
            XCTAssertEqual(backward?.fallbacks, 0, "\(op): fell back to the reference rule", file: file, line: line)
        }
        return backward
    }

    private func u(_ shape: [Int], _ seed: UInt64) -> Tensor { DNNLTesting.uniform(shape, seed: seed) }

    func testConvolutionBackwardDataAndWeights() throws {
        try compare("Conv", [u([2, 8, 9, 9], 1), u([16, 8, 3, 3], 2), u([16], 3)], ["pads": .ints([1, 1, 1, 1])])
        try compare("Conv", [u([1, 6, 11, 10], 4), u([4, 3, 3, 2], 5)],
                    ["group": .int(2), "strides": .ints([2, 3]), "dilations": .ints([2, 1]), "pads": .ints([0, 1, 2, 0])])
        try compare("Conv", [u([2, 8, 7, 7], 6), u([8, 1, 3, 3], 7), u([8], 8)], ["group": .int(8), "auto_pad": .string("SAME_UPPER"), "strides": .ints([2, 2])])
        try compare("Conv", [u([2, 4, 12], 9), u([5, 4, 3], 10), u([5], 11)], ["strides": .ints([2]), "pads": .ints([1, 1])])
        try compare("Conv", [u([1, 3, 5, 6, 4], 12), u([4, 3, 2, 3, 2], 13), u([4], 14)], ["pads": .ints([1, 1, 0, 0, 1, 1])])
        // Only some gradients wanted.
        try compare("Conv", [u([2, 8, 6, 6], 15), u([8, 8, 1, 1], 16), u([8], 17)], wrt: [0])
        try compare("Conv", [u([2, 8, 6, 6], 18), u([8, 8, 3, 3], 19), u([8], 20)], wrt: [1, 2])
    }

    func testDeconvolutionBackward() throws {
        try compare("ConvTranspose", [u([2, 8, 5, 5], 30), u([8, 4, 3, 3], 31), u([4], 32)],
                    ["strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])])
        try compare("ConvTranspose", [u([1, 4, 4, 5], 33), u([4, 3, 3, 2], 34)],
                    ["group": .int(2), "strides": .ints([2, 1]), "dilations": .ints([1, 2])])
        try compare("ConvTranspose", [u([2, 4, 6], 35), u([4, 2, 4], 36), u([2], 37)], ["strides": .ints([3])])
    }

    /// output_padding and a larger output_shape become negative end padding for oneDNN. It
    /// takes one position (less than a stride) and rejects more: the reference rule answers.
    func testDeconvolutionOutputPaddingAndShape() throws {
        try compare("ConvTranspose", [u([1, 2, 3, 3], 38), u([2, 2, 3, 3], 39)], ["strides": .ints([2, 2]), "output_padding": .ints([1, 1])])
        try compare("ConvTranspose", [u([1, 2, 3, 3], 40), u([2, 3, 3, 3], 41), u([3], 42)], ["strides": .ints([2, 2]), "output_shape": .ints([8, 8])])
        let b = try compare("ConvTranspose", [u([1, 2, 3, 3], 43), u([2, 3, 3, 3], 44), u([3], 45)],
                            ["strides": .ints([2, 2]), "output_shape": .ints([8, 9])], expectOneDNN: false)
        XCTAssertEqual(b?.fallbacks, 1)
    }

    /// Other element types take the reference rule, with the reference result.
    func testFloat64FallsBackToReferenceRule() throws {
        let g = Graph(nodes: [Node(opType: "Conv", inputs: ["x", "w"], outputs: ["y"], attributes: ["pads": .ints([1, 1, 1, 1])])],
                      inputs: [ValueInfo(name: "x", dtype: .float64, shape: [.fixed(1), .fixed(2), .fixed(4), .fixed(4)]),
                               ValueInfo(name: "w", dtype: .float64, shape: [.fixed(3), .fixed(2), .fixed(3), .fixed(3)])],
                      outputs: [ValueInfo(name: "y", dtype: nil, shape: nil)])
        let feeds = ["x": GradCheck.random([1, 2, 4, 4], seed: 1), "w": GradCheck.random([3, 2, 3, 3], seed: 2)]
        let dnnl = try Session(model: Model(graph: g), backend: .dnnl)
        let got = try dnnl.gradients(feeds, of: "y", wrt: ["x", "w"]).gradients
        let expected = try Session(model: Model(graph: g), backend: .reference).gradients(feeds, of: "y", wrt: ["x", "w"]).gradients
        XCTAssertEqual(got["x"]!.doubles, expected["x"]!.doubles)
        XCTAssertEqual(got["w"]!.doubles, expected["w"]!.doubles)
        XCTAssertEqual(DNNLTesting.context(dnnl)?.backward.fallbacks, 1)
        XCTAssertEqual(DNNLTesting.context(dnnl)?.backward.executions, 0)
    }

    func testPoolingBackward() throws {
        try compare("MaxPool", [u([2, 8, 9, 9], 40)], ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])])
        try compare("MaxPool", [u([1, 4, 7, 8], 41)], ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2]), "ceil_mode": .int(1)])
        try compare("MaxPool", [u([1, 3, 9, 9], 42)], ["kernel_shape": .ints([2, 2]), "dilations": .ints([2, 2])], opset: 12)
        try compare("MaxPool", [u([2, 3, 10], 43)], ["kernel_shape": .ints([3]), "strides": .ints([2])])
        for include in [0, 1] {
            try compare("AveragePool", [u([2, 8, 9, 9], 44)], ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]),
                                                               "pads": .ints([1, 1, 1, 1]), "count_include_pad": .int(include)])
        }
        try compare("AveragePool", [u([1, 2, 4, 4, 5], 45)], ["kernel_shape": .ints([2, 2, 2]), "strides": .ints([2, 2, 2]), "ceil_mode": .int(1)])
        try compare("GlobalAveragePool", [u([2, 16, 7, 7], 46)])
        try compare("GlobalMaxPool", [u([2, 16, 7, 7], 47)])
    }

    func testBatchNormBackwardInferenceAndTraining() throws {
        let v = Tensor(shape: [6], floats: u([6], 54).floats.map { abs($0) + 0.5 })
        let bn = [u([4, 6, 5, 5], 50), u([6], 51), u([6], 52), u([6], 53), v]
        try compare("BatchNormalization", bn, ["epsilon": .float(1e-3)])
        try compare("BatchNormalization", bn, ["training_mode": .int(1)], opset: 15, outputs: 3, wrt: [0, 1, 2])
        try compare("BatchNormalization", [u([8, 6], 55)] + bn.dropFirst(), ["training_mode": .int(1)], opset: 15, wrt: [0, 1, 2])
    }

    func testEltwiseBackwardOfFusedPostOps() throws {
        let g = u([3, 4, 5], 60)
        let x = u([3, 4, 5], 61)
        let context = try XCTUnwrap(DNNLTesting.context(try Session(model: DNNLTesting.model([], inputs: [], outputs: []), backend: .dnnl)))
        let k = KernelContext(node: Node(opType: "Relu", inputs: [], outputs: []), opset: 17)
        for p in [("Relu", 0, 0), ("LeakyRelu", 0.2, 0), ("LeakyRelu", -0.3, 0), ("Tanh", 0, 0), ("Sigmoid", 0, 0), ("Elu", 0.8, 0),
                  ("Clip", -0.4, 0.5), ("HardSwish", 0, 0)] as [(String, Float, Float)] {
            let post = FusedConv.PostOp(op: p.0, alpha: p.1, beta: p.2)
            // Scale the input so HardSwish's middle region and Clip's bounds are both exercised.
            let input = Tensor(shape: x.shape, floats: x.floats.map { $0 * 4 })
            let output = try PostOpDerivative.forwardNode(post).withReference { try $0.run([input], KernelContext(node: $1, opset: p.0 == "Clip" ? 10 : 17))[0] }
            for fromOutput in [true, false] where DNNLBackward.eltwiseBackward(post, fromOutput: fromOutput) != nil {
                let value = fromOutput ? output : input
                let expected = try PostOpDerivative.reference(post, g, value, fromOutput, k)
                let got = try XCTUnwrap(try context.backward.activationGradient(post, g, value, fromOutput: fromOutput, pool: nil))
                XCTAssertLessThanOrEqual(DNNLTesting.relativeError(got, expected), 1e-5, "\(p) fromOutput \(fromOutput)")
            }
        }
    }

    func testStandaloneActivationsUseEltwiseBackward() throws {
        guard OpRegistry.standard.vjp(domain: "", type: "Relu") != nil else {
            throw XCTSkip("activation rules are not registered on this branch")
        }
        try compare("Relu", [u([2, 3, 4], 70)])
        try compare("LeakyRelu", [u([2, 3, 4], 71)], ["alpha": .float(0.1)])
        try compare("Sigmoid", [u([2, 3, 4], 72)])
        try compare("HardSwish", [Tensor(shape: [2, 12], floats: u([2, 12], 73).floats.map { $0 * 5 })], opset: 14)
    }
}

private extension Node {
    /// Runs `body` with this node's reference kernel.
    func withReference<R>(_ body: (Kernel, Node) throws -> R) throws -> R {
        let def = try XCTUnwrap(OpRegistry.standard.definition(domain: domain, type: opType))
        return try body(try def.makeReference(self, 17), self)
    }
}
