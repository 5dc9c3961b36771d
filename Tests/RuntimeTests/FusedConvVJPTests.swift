import XCTest
@testable import Runtime

/// The FusedConv / FusedConvTranspose rule in float64, called directly on fused nodes and
/// checked against central finite differences of the equivalent unfused reference graph
/// (convolution, then each post-op as its own node), for every post-op kind and chains that
/// need the convolution recomputed.
final class FusedConvVJPTests: XCTestCase {
    typealias PostOp = FusedConv.PostOp

    private func r(_ shape: [Int], _ seed: UInt64) -> Tensor { GradCheck.random(shape, seed: seed) }

    /// The unfused graph: conv(x, w, b) → post-ops (Add reads z; Clip's bounds are initializers).
    private func unfused(_ conv: Node, _ ops: [PostOp], inputs: [String: Tensor]) -> Graph {
        var nodes = [conv]
        var last = conv.outputs[0]
        var initializers: [String: Tensor] = [:]
        for (i, p) in ops.enumerated() {
            let out = "t\(i)"
            var attrs: [String: Attribute] = [:]
            var ins = [last]
            switch p.op {
            case "Add": ins.append("z")
            case "LeakyRelu", "Elu": attrs["alpha"] = .float(p.alpha)
            case "Clip":
                initializers["lo\(i)"] = Tensor(shape: [], dtype: .float64, doubles: [Double(p.alpha)])
                initializers["hi\(i)"] = Tensor(shape: [], dtype: .float64, doubles: [Double(p.beta)])
                ins += ["lo\(i)", "hi\(i)"]
            default: break
            }
            nodes.append(Node(opType: p.op, inputs: ins, outputs: [out], attributes: attrs))
            last = out
        }
        return Graph(nodes: nodes, inputs: inputs.keys.sorted().map { ValueInfo(name: $0, dtype: .float64, shape: inputs[$0]!.shape.map { .fixed($0) }) },
                     outputs: [ValueInfo(name: last, dtype: nil, shape: nil)], initializers: initializers)
    }

    private func check(_ ops: [PostOp], transposed: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws {
        let attrs: [String: Attribute] = ["strides": .ints([2, 1]), "pads": .ints([1, 0, 0, 1])]
        let x = r([2, 3, 4, 4], 1), w = transposed ? r([3, 2, 3, 2], 2) : r([2, 3, 3, 2], 2), b = r([2], 3)
        let conv = Node(opType: transposed ? "ConvTranspose" : "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attributes: attrs)
        let geo = try ConvGeometry(node: conv, input: x.shape, weight: w.shape, transposed: transposed)
        var feeds = ["x": x, "w": w, "b": b]
        let hasSum = ops.contains { $0.op == "Add" }
        if hasSum { feeds["z"] = r(geo.outputShape, 4) }
        let graph = unfused(conv, ops, inputs: feeds)
        let session = try Session(model: Model(graph: graph), backend: .reference)
        let out = graph.outputs[0].name
        let y = try session.run(feeds, outputs: [out])[out]!
        let cot = r(y.shape, 5)

        var fused = FusedConv.with(conv, postOps: ops)
        if hasSum { fused.inputs.append("z") }
        let names = ["x", "w", "b"] + (hasSum ? ["z"] : [])
        let ctx = VJPContext(node: fused, opset: 1, inputs: names.map { feeds[$0] }, outputs: [y], outputGrads: [cot],
                             needsGrad: names.map { _ in true })
        let rule = try XCTUnwrap(OpRegistry.standard.vjp(domain: FusedConv.domain, type: fused.opType))
        let grads = try rule(ctx)

        let cd = cot.doubles, h = 1e-6
        func objective(_ f: [String: Tensor]) throws -> Double {
            zip(try session.run(f, outputs: [out])[out]!.doubles, cd).reduce(0) { $0 + $1.0 * $1.1 }
        }
        for (i, name) in names.enumerated() {
            let t = feeds[name]!
            let g = try XCTUnwrap(grads[i], "no gradient for \(name)", file: file, line: line).doubles
            var v = t.doubles
            for j in 0..<v.count {
                let o = v[j]
                var f = feeds
                v[j] = o + h; f[name] = Tensor(shape: t.shape, dtype: .float64, doubles: v)
                let plus = try objective(f)
                v[j] = o - h; f[name] = Tensor(shape: t.shape, dtype: .float64, doubles: v)
                let minus = try objective(f)
                v[j] = o
                let numeric = (plus - minus) / (2 * h)
                if abs(numeric - g[j]) > 1e-6 * max(1, abs(numeric)) {
                    XCTFail("\(ops.map(\.op)) d/d\(name)[\(j)]: analytic \(g[j]), numeric \(numeric)", file: file, line: line)
                    break
                }
            }
        }
    }

    private func op(_ name: String, _ alpha: Float = 0, _ beta: Float = 0) -> PostOp { PostOp(op: name, alpha: alpha, beta: beta) }

    func testSingleActivationsFromOutput() throws {
        for p in [op("Relu"), op("LeakyRelu", 0.1), op("Tanh"), op("Sigmoid"), op("Elu", 0.7), op("Clip", -0.5, 0.8)] {
            XCTAssertTrue(FusedConvVJP.derivableFromOutput([p]))
            try check([p])
        }
    }

    func testSumPostOpBeforeAndAfterActivation() throws {
        try check([op("Add")])
        try check([op("Add"), op("Relu")])
        try check([op("Tanh"), op("Add")])
        XCTAssertTrue(FusedConvVJP.derivableFromOutput([op("Sigmoid"), op("Add")]))
        try check([op("Sigmoid"), op("Add")], transposed: true)
    }

    func testRecomputedChains() throws {
        for ops in [[op("Elu", -0.3)], [op("Relu"), op("Add"), op("Tanh")], [op("HardSwish")], [op("LeakyRelu", -0.5)], [op("Relu"), op("Sigmoid")], [op("Elu", -0.3), op("Add"), op("Tanh")]] {
            XCTAssertFalse(FusedConvVJP.derivableFromOutput(ops))
            try check(ops)
        }
        try check([op("Add"), op("HardSwish")], transposed: true)
    }
}
