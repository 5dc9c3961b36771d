@testable import Runtime
import XCTest

/// Tensors stay in oneDNN's blocked layout between consecutive oneDNN kernels and come out
/// plain wherever anything else reads them.
final class DNNLLayoutTests: XCTestCase {
    let inits = ["w1": DNNLTesting.uniform([32, 16, 3, 3], seed: 1, -0.2, 0.2),
                 "w2": DNNLTesting.uniform([32, 32, 3, 3], seed: 2, -0.1, 0.1),
                 "w3": DNNLTesting.uniform([16, 32, 1, 1], seed: 3, -0.2, 0.2)]

    /// x → conv → conv → conv → y. Requesting the intermediates keeps them from being fused.
    func chain() -> Model {
        DNNLTesting.model([.make("Conv", ["x", "w1"], ["t1"], ["pads": [1, 1, 1, 1]]),
                           .make("Conv", ["t1", "w2"], ["t2"], ["pads": [1, 1, 1, 1]]),
                           .make("Conv", ["t2", "w3"], ["y"])],
                          inputs: [("x", [1, 16, 12, 12])], initializers: inits, outputs: ["y"])
    }

    func testConvChainStaysBlocked() throws {
        let x = DNNLTesting.uniform([1, 16, 12, 12], seed: 4)
        let (s, _) = try DNNLTesting.compare(chain(), ["x": x], "conv chain")
        // The plain input is reordered into the blocked layout once and the output back once:
        // nothing in between.
        XCTAssertEqual(DNNLTesting.context(s)?.activationReorders, 2)
    }

    func testRequestedIntermediatesArePlain() throws {
        let x = DNNLTesting.uniform([1, 16, 12, 12], seed: 4)
        let (s, out) = try DNNLTesting.compare(chain(), ["x": x], outputs: ["y", "t1", "t2"], "intermediates")
        for name in ["t1", "t2"] {
            XCTAssertTrue(out[name]?.isPlain ?? false, name)
            XCTAssertEqual(out[name]?.shape, [1, 32, 12, 12])
        }
        XCTAssertEqual(DNNLTesting.context(s)?.activationReorders, 4)
    }

    /// The kernels themselves: each output is blocked, the next conv takes it as is.
    func testKernelOutputsCarryTheLayout() throws {
        let context = try DNNLContext()
        let n1 = Node.make("Conv", ["x", "w1"], ["t1"], ["pads": [1, 1, 1, 1]])
        let n2 = Node.make("Conv", ["t1", "w2"], ["t2"], ["pads": [1, 1, 1, 1]])
        let k1 = DNNLConvKernel(context: context, node: n1, opset: 17, constantWeights: true)
        let k2 = DNNLConvKernel(context: context, node: n2, opset: 17, constantWeights: true)
        let x = DNNLTesting.uniform([1, 16, 12, 12], seed: 4)
        let t1 = try k1.run([x, inits["w1"]], KernelContext(node: n1, opset: 17))[0]
        let layout = try XCTUnwrap(t1.layout as? DNNLLayout)
        XCTAssertTrue(layout.layoutName.hasPrefix("dnnl:aBcd"), layout.layoutName)
        let before = context.activationReorders
        let t2 = try k2.run([t1, inits["w2"]], KernelContext(node: n2, opset: 17))[0]
        XCTAssertEqual(context.activationReorders, before, "the second conv reordered its input")
        XCTAssertNotNil(t2.layout)

        // plain() gives the same values as the reference conv on plain data.
        let reference = try Session(model: DNNLTesting.model([n1], inputs: [("x", [1, 16, 12, 12])], initializers: inits,
                                                             outputs: ["t1"]), backend: .reference)
        let expected = try XCTUnwrap(reference.run(["x": x])["t1"])
        let plain = t1.plain()
        XCTAssertTrue(plain.isPlain)
        XCTAssertLessThanOrEqual(DNNLTesting.relativeError(plain, expected), 1e-4)
        XCTAssertEqual(plain.floats.count, expected.count)
    }
}
