@testable import Runtime
import XCTest

/// `DNNLBackend.optimize`: the rewritten graph holds the fused node, and its outputs match the
/// reference backend on the original graph.
final class DNNLFusionTests: XCTestCase {
    func bnParameters(_ c: Int, prefix: String = "") -> [String: Tensor] {
        [prefix + "scale": DNNLTesting.uniform([c], seed: 11, 0.5, 2), prefix + "shift": DNNLTesting.uniform([c], seed: 12),
         prefix + "mean": DNNLTesting.uniform([c], seed: 13), prefix + "var": DNNLTesting.uniform([c], seed: 14, 0.1, 2)]
    }

    func bn(_ input: String, _ output: String, prefix: String = "") -> Node {
        .make("BatchNormalization", [input] + ["scale", "shift", "mean", "var"].map { prefix + $0 }, [output],
              ["epsilon": 1e-3])
    }

    /// The single node of the oneDNN session's graph, which must be fused.
    func fusedNode(_ s: Session, file: StaticString = #filePath, line: UInt = #line) -> Node? {
        XCTAssertEqual(s.graph.nodes.count, 1, "nodes: \(s.graph.nodes.map(\.opType))", file: file, line: line)
        guard let n = s.graph.nodes.first else { return nil }
        XCTAssertTrue(FusedConv.isFused(n), "\(n.opType)", file: file, line: line)
        return n
    }

    func testConvBatchNormReluFusion() throws {
        let inits = ["w": DNNLTesting.uniform([16, 8, 3, 3], seed: 1, -0.3, 0.3), "b": DNNLTesting.uniform([16], seed: 2)]
            .merging(bnParameters(16)) { a, _ in a }
        let model = DNNLTesting.model([.make("Conv", ["x", "w", "b"], ["c"], ["pads": [1, 1, 1, 1]]), bn("c", "n"),
                                       .make("Relu", ["n"], ["y"])],
                                      inputs: [("x", [2, 8, 10, 10])], initializers: inits, outputs: ["y"])
        let (s, _) = try DNNLTesting.compare(model, ["x": DNNLTesting.uniform([2, 8, 10, 10], seed: 3)], "Conv+BN+Relu")
        let n = try XCTUnwrap(fusedNode(s))
        XCTAssertEqual(n.opType, "FusedConv")
        XCTAssertEqual(n.strings("post_ops"), ["Relu"])
        XCTAssertEqual(n.outputs, ["y"])
        XCTAssertEqual(n.inputs.count, 3)
        XCTAssertEqual(n.inputs[0], "x")
        // The folded parameters replace the originals, which nothing reads any more.
        XCTAssertNil(s.graph.initializers["w"])
        XCTAssertNil(s.graph.initializers["var"])
        XCTAssertNotNil(s.graph.initializers[n.inputs[1]])
    }

    func testConvTransposeBatchNormReluFusion() throws {
        // Grouped, so the per-output-channel scaling of [C, M/group, k, k] weights is exercised.
        let inits = ["w": DNNLTesting.uniform([8, 3, 4, 4], seed: 1, -0.3, 0.3)].merging(bnParameters(6)) { a, _ in a }
        let model = DNNLTesting.model([.make("ConvTranspose", ["x", "w"], ["c"], ["strides": [2, 2], "pads": [1, 1, 1, 1], "group": 2]),
                                       bn("c", "n"), .make("Relu", ["n"], ["y"])],
                                      inputs: [("x", [2, 8, 5, 5])], initializers: inits, outputs: ["y"])
        let (s, _) = try DNNLTesting.compare(model, ["x": DNNLTesting.uniform([2, 8, 5, 5], seed: 3)], "ConvT+BN+Relu")
        let n = try XCTUnwrap(fusedNode(s))
        XCTAssertEqual(n.opType, "FusedConvTranspose")
        XCTAssertEqual(n.strings("post_ops"), ["Relu"])
        XCTAssertEqual(n.inputs.count, 3, "a bias is created by the fold")
    }

    func testResidualAddFusion() throws {
        let inits = ["w": DNNLTesting.uniform([16, 16, 3, 3], seed: 1, -0.2, 0.2), "b": DNNLTesting.uniform([16], seed: 2)]
        for swapped in [false, true] {
            let add = Node.make("Add", swapped ? ["x", "c"] : ["c", "x"], ["y"])
            let model = DNNLTesting.model([.make("Conv", ["x", "w", "b"], ["c"], ["pads": [1, 1, 1, 1]]), add],
                                          inputs: [("x", [1, 16, 7, 7])], initializers: inits, outputs: ["y"])
            let (s, _) = try DNNLTesting.compare(model, ["x": DNNLTesting.uniform([1, 16, 7, 7], seed: 3)], "Conv+Add")
            let n = try XCTUnwrap(fusedNode(s))
            XCTAssertEqual(n.strings("post_ops"), ["Add"])
            XCTAssertEqual(n.inputs, ["x", "w", "b", "x"])
        }
    }

    /// conv → BN → Add(residual) → Relu, the ResNet block tail, with the residual produced
    /// by another convolution.
    func testResNetBlockFusion() throws {
        let inits = ["w1": DNNLTesting.uniform([16, 8, 1, 1], seed: 1, -0.3, 0.3),
                     "w2": DNNLTesting.uniform([16, 8, 3, 3], seed: 2, -0.3, 0.3)].merging(bnParameters(16)) { a, _ in a }
        let model = DNNLTesting.model([
            .make("Conv", ["x", "w1"], ["skip"]),
            .make("Conv", ["x", "w2"], ["c"], ["pads": [1, 1, 1, 1]]), bn("c", "n"),
            .make("Add", ["n", "skip"], ["s"]), .make("Relu", ["s"], ["y"]),
        ], inputs: [("x", [2, 8, 6, 6])], initializers: inits, outputs: ["y"])
        let (s, _) = try DNNLTesting.compare(model, ["x": DNNLTesting.uniform([2, 8, 6, 6], seed: 3)], "ResNet block")
        // Either convolution may absorb the Add; the other one's output is then the sum operand.
        XCTAssertEqual(s.graph.nodes.count, 2)
        let fused = try XCTUnwrap(s.graph.nodes.first { $0.outputs == ["y"] })
        let other = try XCTUnwrap(s.graph.nodes.first { $0.outputs != ["y"] })
        XCTAssertEqual(fused.strings("post_ops"), ["Add", "Relu"])
        XCTAssertEqual(fused.inputs.count, 4)
        XCTAssertEqual(fused.inputs.last, other.outputs.first)
        XCTAssertEqual(other.opType, "Conv")
    }

    func testActivationFusions() throws {
        let inits = ["w": DNNLTesting.uniform([8, 4, 3, 3], seed: 1, -0.5, 0.5), "lo": Tensor(scalar: -0.25),
                     "hi": Tensor(scalar: 0.5)]
        let activations: [Node] = [
            .make("LeakyRelu", ["c"], ["y"], ["alpha": 0.1]), .make("Elu", ["c"], ["y"], ["alpha": 0.5]),
            .make("Tanh", ["c"], ["y"]), .make("Sigmoid", ["c"], ["y"]), .make("HardSwish", ["c"], ["y"]),
            .make("Clip", ["c", "lo", "hi"], ["y"]), .make("Clip", ["c", "", "hi"], ["y"]),
        ]
        for act in activations {
            let model = DNNLTesting.model([.make("Conv", ["x", "w"], ["c"]), act], inputs: [("x", [1, 4, 8, 8])],
                                          initializers: inits, outputs: ["y"])
            let (s, _) = try DNNLTesting.compare(model, ["x": DNNLTesting.uniform([1, 4, 8, 8], seed: 3)], act.opType)
            XCTAssertEqual(fusedNode(s)?.strings("post_ops"), [act.opType])
        }
    }

    /// Values that must stay observable, or that other nodes read, are not fused away.
    func testNoFusionWhenIntermediateIsNeeded() throws {
        let inits = ["w": DNNLTesting.uniform([8, 4, 3, 3], seed: 1, -0.5, 0.5)]
        let feeds = ["x": DNNLTesting.uniform([1, 4, 8, 8], seed: 3)]
        // The conv output is a graph output.
        let m1 = DNNLTesting.model([.make("Conv", ["x", "w"], ["c"]), .make("Relu", ["c"], ["y"])],
                                   inputs: [("x", [1, 4, 8, 8])], initializers: inits, outputs: ["y", "c"])
        let (s1, _) = try DNNLTesting.compare(m1, feeds, "graph output")
        XCTAssertEqual(s1.graph.nodes.map(\.opType), ["Conv", "Relu"])
        // The conv output has two readers.
        let m2 = DNNLTesting.model([.make("Conv", ["x", "w"], ["c"]), .make("Relu", ["c"], ["r"]), .make("Sigmoid", ["c"], ["s"]),
                                    .make("Add", ["r", "s"], ["y"])],
                                   inputs: [("x", [1, 4, 8, 8])], initializers: inits, outputs: ["y"])
        let (s2, _) = try DNNLTesting.compare(m2, feeds, "two readers")
        XCTAssertEqual(s2.graph.nodes.map(\.opType), ["Conv", "Relu", "Sigmoid", "Add"])
        // Clip bounds fed at run time are not constants.
        let m3 = DNNLTesting.model([.make("Conv", ["x", "w"], ["c"]), .make("Clip", ["c", "lo"], ["y"])],
                                   inputs: [("x", [1, 4, 8, 8]), ("lo", [])], initializers: inits, outputs: ["y"])
        let (s3, _) = try DNNLTesting.compare(m3, feeds.merging(["lo": Tensor(scalar: 0.1)]) { a, _ in a }, "fed Clip bound")
        XCTAssertEqual(s3.graph.nodes.map(\.opType), ["Conv", "Clip"])
        // Weights that a feed may override are not folded.
        let m4 = DNNLTesting.model([.make("Conv", ["x", "w"], ["c"]), .make("Relu", ["c"], ["y"])],
                                   inputs: [("x", [1, 4, 8, 8]), ("w", [8, 4, 3, 3])], initializers: inits, outputs: ["y"])
        XCTAssertEqual(try Session(model: m4, backend: .dnnl).graph.nodes.map(\.opType), ["Conv", "Relu"])
    }

    /// An Add whose other operand broadcasts is still fused; the fused kernel then runs the
    /// unfused reference chain, which broadcasts.
    func testBroadcastAddFallsBackToReferenceChain() throws {
        let inits = ["w": DNNLTesting.uniform([4, 4, 3, 3], seed: 1, -0.5, 0.5), "z": DNNLTesting.uniform([4, 1, 1], seed: 2)]
        let model = DNNLTesting.model([.make("Conv", ["x", "w"], ["c"]), .make("Add", ["c", "z"], ["a"]), .make("Relu", ["a"], ["y"])],
                                      inputs: [("x", [2, 4, 6, 6])], initializers: inits, outputs: ["y"])
        let (s, _) = try DNNLTesting.compare(model, ["x": DNNLTesting.uniform([2, 4, 6, 6], seed: 3)], expectOneDNN: false,
                                             "broadcast Add")
        XCTAssertEqual(fusedNode(s)?.strings("post_ops"), ["Add", "Relu"])
        XCTAssertEqual(DNNLTesting.context(s)?.referenceFallbacks, 1)
    }

    /// The unfused fallback chain gives each post-op its own attributes (alpha, bounds), not
    /// the fused node's.
    func testFallbackChainKeepsPostOpAttributes() throws {
        let inits = ["w": DNNLTesting.uniform([4, 4, 3, 3], seed: 1, -0.5, 0.5), "z": DNNLTesting.uniform([4, 1, 1], seed: 2)]
        let model = DNNLTesting.model([.make("Conv", ["x", "w"], ["c"]), .make("Add", ["c", "z"], ["a"]),
                                       .make("LeakyRelu", ["a"], ["y"], ["alpha": Float(0.3)])],
                                      inputs: [("x", [2, 4, 6, 6])], initializers: inits, outputs: ["y"])
        let (s, _) = try DNNLTesting.compare(model, ["x": DNNLTesting.uniform([2, 4, 6, 6], seed: 3)], expectOneDNN: false,
                                             "broadcast Add + LeakyRelu(0.3)")
        XCTAssertEqual(fusedNode(s)?.strings("post_ops"), ["Add", "LeakyRelu"])
        XCTAssertEqual(DNNLTesting.context(s)?.referenceFallbacks, 1)
    }
}
