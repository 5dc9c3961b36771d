import CDNNL
@testable import Runtime
import XCTest

/// oneDNN Conv/ConvTranspose against the reference kernels (relative error ≤ 1e-4).
final class DNNLConvTests: XCTestCase {
    /// One Conv or ConvTranspose node; weights (and bias) are initializers unless `feedWeights`.
    func check(_ op: String, x: [Int], w: [Int], bias: Bool = true, feedWeights: Bool = false, expectOneDNN: Bool = true,
               _ attrs: [String: Any] = [:], seed: UInt64 = 1, file: StaticString = #filePath, line: UInt = #line) throws {
        let transposed = op == "ConvTranspose"
        let m = transposed ? w[1] * ((attrs["group"] as? Int) ?? 1) : w[0]
        let wt = DNNLTesting.uniform(w, seed: seed + 1), bt = DNNLTesting.uniform([m], seed: seed + 2)
        let node = Node.make(op, ["x", "w"] + (bias ? ["b"] : []), ["y"], attrs)
        var inputs = [("x", x)]
        var inits: [String: Tensor] = [:]
        var feeds = ["x": DNNLTesting.uniform(x, seed: seed)]
        if feedWeights {
            inputs += [("w", w)] + (bias ? [("b", [m])] : [])
            feeds["w"] = wt
            if bias { feeds["b"] = bt }
        } else {
            inits["w"] = wt
            if bias { inits["b"] = bt }
        }
        let model = DNNLTesting.model([node], inputs: inputs, initializers: inits, outputs: ["y"])
        try DNNLTesting.compare(model, feeds, expectOneDNN: expectOneDNN, "\(op) x\(x) w\(w) \(attrs)", file: file, line: line)
    }

    func testConvAttributeCases() throws {
        try check("Conv", x: [1, 3, 9, 9], w: [8, 3, 3, 3], ["pads": [1, 1, 1, 1]])
        try check("Conv", x: [1, 3, 9, 8], w: [8, 3, 3, 3], bias: false, ["strides": [2, 2], "pads": [0, 1, 1, 0]])
        try check("Conv", x: [2, 5, 11, 10], w: [4, 5, 3, 3], ["dilations": [2, 2], "pads": [2, 2, 2, 2]])
        try check("Conv", x: [2, 8, 7, 7], w: [6, 4, 3, 3], ["group": 2, "pads": [1, 0, 1, 0]])
        try check("Conv", x: [1, 16, 10, 10], w: [16, 1, 3, 3], ["group": 16, "pads": [1, 1, 1, 1]])
        try check("Conv", x: [1, 16, 10, 10], w: [32, 1, 3, 3], ["group": 16, "strides": [2, 2]])
        try check("Conv", x: [1, 4, 8, 7], w: [5, 4, 3, 3], ["auto_pad": "SAME_UPPER", "strides": [2, 2]])
        try check("Conv", x: [1, 4, 8, 7], w: [5, 4, 4, 4], ["auto_pad": "SAME_LOWER", "strides": [2, 2]])
        try check("Conv", x: [1, 4, 9, 9], w: [5, 4, 2, 2], ["auto_pad": "SAME_UPPER"])
        try check("Conv", x: [1, 4, 9, 9], w: [5, 4, 3, 3], ["auto_pad": "VALID", "strides": [1, 2]])
        try check("Conv", x: [2, 32, 5, 5], w: [16, 32, 1, 1], ["kernel_shape": [1, 1]])
        try check("Conv", x: [1, 32, 12, 12], w: [32, 32, 3, 3], ["pads": [1, 1, 1, 1]])
        try check("Conv", x: [2, 4, 15], w: [6, 4, 3], ["strides": [2]])
        try check("Conv", x: [1, 4, 5, 6, 7], w: [8, 4, 3, 3, 3], ["pads": [1, 1, 1, 1, 1, 1]])
        try check("Conv", x: [1, 6, 9, 9], w: [4, 6, 3, 3], feedWeights: true, ["pads": [1, 1, 1, 1]])
    }

    func testConvTransposeAttributeCases() throws {
        try check("ConvTranspose", x: [1, 4, 5, 5], w: [4, 6, 3, 3], ["strides": [2, 2], "pads": [1, 1, 1, 1],
                                                                      "output_padding": [1, 1]])
        try check("ConvTranspose", x: [1, 4, 4, 4], w: [4, 3, 3, 3], ["group": 2])
        try check("ConvTranspose", x: [1, 4, 5, 5], w: [4, 2, 3, 3], bias: false, ["strides": [2, 2], "output_shape": [10, 10]])
        // output_shape past the full result: the extra trailing positions get only the bias.
        // The GEMM path covers it; oneDNN's deconvolution would need a negative end padding.
        try check("ConvTranspose", x: [1, 4, 5, 5], w: [4, 2, 3, 3], ["strides": [2, 2], "output_shape": [12, 13]])
        try check("ConvTranspose", x: [1, 4, 5, 5], w: [4, 2, 3, 3], bias: false, ["strides": [2, 2], "output_shape": [12, 13]])
        try check("ConvTranspose", x: [1, 4, 5, 6], w: [4, 2, 3, 3], ["strides": [2, 2], "auto_pad": "SAME_UPPER"])
        try check("ConvTranspose", x: [1, 4, 5, 6], w: [4, 2, 4, 4], ["strides": [2, 2], "auto_pad": "SAME_LOWER"])
        try check("ConvTranspose", x: [2, 3, 5, 5], w: [3, 2, 3, 3], ["dilations": [2, 2], "pads": [1, 0, 0, 1]])
        try check("ConvTranspose", x: [1, 16, 4, 4], w: [16, 8, 4, 4], ["strides": [2, 2], "pads": [1, 1, 1, 1]])
        try check("ConvTranspose", x: [1, 8, 6, 6], w: [8, 1, 3, 3], ["group": 8, "strides": [2, 2], "output_padding": [1, 0]])
        try check("ConvTranspose", x: [1, 100, 1, 1], w: [100, 32, 4, 4], bias: false)
        // 21 channels: one 16-wide block plus a scalar tail in the gather.
        try check("ConvTranspose", x: [2, 6, 5, 5], w: [6, 21, 4, 4], ["strides": [2, 2], "pads": [1, 1, 1, 1]])
        try check("ConvTranspose", x: [2, 4, 7], w: [4, 3, 3], ["strides": [3], "output_padding": [2]])
        try check("ConvTranspose", x: [1, 4, 5, 5], w: [4, 6, 3, 3], feedWeights: true, ["strides": [2, 2]])
    }

    /// Random geometries; combinations ConvGeometry rejects are skipped.
    func testRandomConvolutions() throws {
        var rng = SeededRandom(seed: 42)
        func pick<T>(_ a: [T]) -> T { rng.pick(a) }
        var checked = 0
        while checked < 24 {
            let transposed = checked % 3 == 2
            let group = pick([1, 1, 2, 3])
            let c = group * pick([1, 2, 3, 5, 8]), mPerGroup = pick([1, 2, 4, 7])
            let k = [pick([1, 2, 3, 5]), pick([1, 2, 3])]
            let x = [pick([1, 2]), c, pick([5, 6, 9, 13]), pick([4, 7, 10])]
            let w = transposed ? [c, mPerGroup] + k : [group * mPerGroup, c / group] + k
            var attrs: [String: Any] = ["group": group, "strides": [pick([1, 2, 3]), pick([1, 2])],
                                        "dilations": [pick([1, 2]), pick([1, 2])]]
            switch pick(["NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]) {
            case "NOTSET": attrs["pads"] = (0..<4).map { i in Int(rng.next() % UInt64(k[i % 2])) }
            case let a: attrs["auto_pad"] = a
            }
            if transposed, attrs["auto_pad"] == nil, let s = attrs["strides"] as? [Int], let d = attrs["dilations"] as? [Int] {
                // output_padding must be smaller than the stride or the dilation.
                attrs["output_padding"] = (0..<2).map { i in Int(rng.next() % UInt64(max(s[i], d[i]))) }
            }
            let node = Node.make(transposed ? "ConvTranspose" : "Conv", [], [], attrs)
            guard (try? ConvGeometry(node: node, input: x, weight: w, transposed: transposed)) != nil else { continue }
            try check(transposed ? "ConvTranspose" : "Conv", x: x, w: w, bias: checked % 2 == 0, attrs, seed: UInt64(checked))
            checked += 1
        }
    }

    /// 2-D single-group ConvTranspose runs as GEMM + gather: NHWC output, several chunks of
    /// images when one image's columns fill the chunk budget, same values as the reference.
    func testConvTransposeRunsAsGemm() throws {
        let context = try DNNLContext()
        let node = Node.make("ConvTranspose", ["x", "w", "b"], ["y"], ["strides": [2, 2], "pads": [1, 1, 1, 1]])
        let kernel = DNNLConvKernel(context: context, node: node, opset: 17, constantWeights: true)
        // Columns per image: 16·16 pixels × 4·4·64 floats = 1 MiB, the chunk budget: 3 chunks.
        let x = DNNLTesting.uniform([3, 32, 16, 16], seed: 1)
        let w = DNNLTesting.uniform([32, 64, 4, 4], seed: 2, -0.1, 0.1)
        let b = DNNLTesting.uniform([64], seed: 3)
        XCTAssertEqual(16 * 16 * 4 * 4 * 64 * 4, GemmDeconvolution.chunkBytes)
        let ctx = KernelContext(node: node, opset: 17)
        let y = try kernel.run([x, w, b], ctx)[0]
        XCTAssertEqual(kernel.lastImplementation, "gemm")
        XCTAssertEqual(y.shape, [3, 64, 32, 32])
        XCTAssertEqual(y.layout?.layoutName, "dnnl:acdb")
        let reference = try XCTUnwrap(OpRegistry.standard.definition(domain: "", type: "ConvTranspose")).makeReference(node, 17)
        let expected = try reference.run([x, w, b], ctx)[0]
        XCTAssertLessThanOrEqual(DNNLTesting.relativeError(y.plain(), expected), 1e-4)
        // A second run reuses the prepared weights and gives the same result.
        let again = try kernel.run([x, w, b], ctx)[0]
        XCTAssertEqual(again.plain().floats, y.plain().floats)
        XCTAssertEqual(context.referenceFallbacks, 0)
    }

    /// A generator-like chain: ConvTranspose+BN+Relu twice, then ConvTranspose+Tanh (and
    /// LeakyRelu, Sigmoid, Clip heads). The NHWC outputs pass between the GEMM deconvolutions
    /// without reorders, and the 3-channel result is written planar: only the input is
    /// reordered (plain → NHWC).
    func testGemmDeconvolutionChainWithActivations() throws {
        let bn: (String) -> [String: Tensor] = { p in
            [p + "s": DNNLTesting.uniform([16], seed: 11, 0.5, 2), p + "h": DNNLTesting.uniform([16], seed: 12),
             p + "m": DNNLTesting.uniform([16], seed: 13), p + "v": DNNLTesting.uniform([16], seed: 14, 0.1, 2)]
        }
        var inits = ["w1": DNNLTesting.uniform([20, 16, 4, 4], seed: 1, -0.2, 0.2),
                     "w2": DNNLTesting.uniform([16, 16, 4, 4], seed: 2, -0.2, 0.2),
                     "w3": DNNLTesting.uniform([16, 3, 4, 4], seed: 3, -0.2, 0.2)]
        inits.merge(bn("a")) { a, _ in a }
        inits.merge(bn("b")) { a, _ in a }
        let s2: [String: Any] = ["strides": [2, 2], "pads": [1, 1, 1, 1]]
        for (head, attrs) in [("Tanh", [:]), ("LeakyRelu", ["alpha": 0.2]), ("Sigmoid", [:]),
                              ("Clip", ["min": -0.5, "max": 0.5])] as [(String, [String: Any])] {
            let model = DNNLTesting.model([
                .make("ConvTranspose", ["x", "w1"], ["c1"], ["kernel_shape": [4, 4]]),
                .make("BatchNormalization", ["c1", "as", "ah", "am", "av"], ["n1"]), .make("Relu", ["n1"], ["r1"]),
                .make("ConvTranspose", ["r1", "w2"], ["c2"], s2),
                .make("BatchNormalization", ["c2", "bs", "bh", "bm", "bv"], ["n2"]), .make("Relu", ["n2"], ["r2"]),
                .make("ConvTranspose", ["r2", "w3"], ["c3"], s2), .make(head, ["c3"], ["y"], attrs),
            ], inputs: [("x", [2, 20, 2, 2])], initializers: inits, outputs: ["y"], opset: 10)
            let (s, out) = try DNNLTesting.compare(model, ["x": DNNLTesting.uniform([2, 20, 2, 2], seed: 4)], "generator + \(head)")
            XCTAssertEqual(out["y"]?.shape, [2, 3, 20, 20])
            XCTAssertEqual(s.graph.nodes.count, 3, "\(s.graph.nodes.map(\.opType))")
            XCTAssertEqual(DNNLTesting.context(s)?.activationReorders, 1, head)
        }
    }

    /// The benchmark-sized convolution (3×3, 512 → 512) runs Winograd where oneDNN has it
    /// (AVX-512), otherwise its blocked direct kernel, and leaves its output blocked.
    func testLargeConvolutionUsesBlockedLayout() throws {
        let context = try DNNLContext()
        let node = Node.make("Conv", ["x", "w", "b"], ["y"], ["pads": [1, 1, 1, 1]])
        let kernel = DNNLConvKernel(context: context, node: node, opset: 17, constantWeights: true)
        let x = DNNLTesting.uniform([1, 512, 32, 32], seed: 1)
        let w = DNNLTesting.uniform([512, 512, 3, 3], seed: 2, -0.05, 0.05)
        let b = DNNLTesting.uniform([512], seed: 3)
        let ctx = KernelContext(node: node, opset: 17)
        let y = try kernel.run([x, w, b], ctx)[0]
        XCTAssertEqual(y.shape, [1, 512, 32, 32])
        XCTAssertEqual(y.layout?.layoutName, "dnnl:aBcd16b")
        let impl = kernel.lastImplementation ?? ""
        XCTAssertTrue(impl.hasPrefix("jit"), "implementation \(impl)")
        if dnnl_get_effective_cpu_isa().rawValue >= dnnl_cpu_isa_avx512_core.rawValue {
            XCTAssertTrue(impl.hasPrefix("jit_wino_4x3:"), "implementation \(impl)")
        }
        XCTAssertEqual(context.referenceFallbacks, 0)
        let reference = try XCTUnwrap(OpRegistry.standard.definition(domain: "", type: "Conv")).makeReference(node, 17)
        XCTAssertLessThanOrEqual(DNNLTesting.relativeError(y.plain(), try reference.run([x, w, b], ctx)[0]), 1e-4)
    }

    /// Which convolutions try Winograd: 3×3, stride 1, undilated, one group, ≥ 64 channels
    /// in and out; the rest (and every shape Winograd rejects) run direct.
    func testWinogradSelection() throws {
        func geometry(_ x: [Int], _ w: [Int], _ attrs: [String: Any] = [:]) throws -> ConvGeometry {
            try ConvGeometry(node: .make("Conv", [], [], attrs), input: x, weight: w, transposed: false)
        }
        XCTAssertTrue(DNNLConvKernel.prefersWinograd(try geometry([1, 64, 20, 20], [64, 64, 3, 3], ["pads": [1, 1, 1, 1]])))
        XCTAssertFalse(DNNLConvKernel.prefersWinograd(try geometry([1, 3, 20, 20], [64, 3, 3, 3])))
        XCTAssertFalse(DNNLConvKernel.prefersWinograd(try geometry([1, 64, 20, 20], [64, 64, 3, 3], ["strides": [2, 2]])))
        XCTAssertFalse(DNNLConvKernel.prefersWinograd(try geometry([1, 64, 20, 20], [64, 64, 3, 3], ["dilations": [2, 2]])))
        XCTAssertFalse(DNNLConvKernel.prefersWinograd(try geometry([1, 64, 20, 20], [64, 32, 3, 3], ["group": 2])))
        XCTAssertFalse(DNNLConvKernel.prefersWinograd(try geometry([1, 64, 20, 20], [64, 64, 1, 1])))
        // Winograd within the reference's tolerance: bias, padding, odd sizes, fed weights.
        try check("Conv", x: [1, 64, 13, 11], w: [64, 64, 3, 3], ["pads": [1, 1, 1, 1]])
        try check("Conv", x: [2, 96, 9, 9], w: [80, 96, 3, 3], bias: false, ["pads": [0, 1, 1, 0]])
        try check("Conv", x: [1, 64, 8, 8], w: [64, 64, 3, 3], feedWeights: true, ["pads": [1, 1, 1, 1]])
    }
}
