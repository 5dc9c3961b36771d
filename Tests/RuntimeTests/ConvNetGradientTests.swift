import XCTest
@testable import Runtime

/// End to end: Conv → BatchNormalization → Relu → MaxPool → Flatten → Gemm, differentiated
/// w.r.t. the input and every weight (as session parameters), on the reference backend
/// (float64, against central finite differences) and on the dnnl backend (float32: the fused
/// graph with constant weights, and the unfused graph with parameter weights; against finite
/// differences along random directions and against the reference gradients).
final class ConvNetGradientTests: XCTestCase {
    static let weights = ["w", "b", "scale", "shift", "w2", "b2"]

    /// The standard ops and rules, plus test-local rules for Relu and Flatten where this branch
    /// has none yet (they belong to other op families).
    static let registry: OpRegistry = {
        let r = OpRegistry()
        let s = OpRegistry.standard
        for k in s.allKeys { r.register(s.definition(domain: k.domain, type: k.type)!) }
        for (k, rule) in s.vjps { r.registerVJP(k.type, domain: k.domain, rule) }
        if s.vjp(domain: "", type: "Relu") == nil {
            r.registerVJP("Relu") { c in
                let x = try c.inputs.required(0).doubles, g = try c.outputGrad(0)
                return [Tensor(shape: g.shape, dtype: g.dtype, doubles: zip(g.doubles, x).map { $1 > 0 ? $0 : 0 })]
            }
        }
        if s.vjp(domain: "", type: "Flatten") == nil {
            r.registerVJP("Flatten") { c in [try c.outputGrad(0).reshaped(try c.inputs.required(0).shape)] }
        }
        return r
    }()

    /// The model in `dtype`; BatchNormalization in training mode when `training`.
    func model(_ dtype: DType, training: Bool = false) -> Model {
        func r(_ shape: [Int], _ seed: UInt64, scale: Double = 1, offset: Double = 0) -> Tensor {
            GradCheck.random(shape, seed: seed, dtype: dtype, scale: scale, offset: offset)
        }
        let bnAttrs: [String: Attribute] = training ? ["training_mode": .int(1)] : [:]
        let g = Graph(nodes: [
            Node(name: "conv", opType: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attributes: ["pads": .ints([1, 1, 1, 1])]),
            Node(name: "bn", opType: "BatchNormalization", inputs: ["c", "scale", "shift", "mean", "var"], outputs: ["n"], attributes: bnAttrs),
            Node(name: "relu", opType: "Relu", inputs: ["n"], outputs: ["r"]),
            Node(name: "pool", opType: "MaxPool", inputs: ["r"], outputs: ["p"], attributes: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])]),
            Node(name: "flat", opType: "Flatten", inputs: ["p"], outputs: ["f"]),
            Node(name: "fc", opType: "Gemm", inputs: ["f", "w2", "b2"], outputs: ["y"], attributes: ["transB": .int(1)]),
        ], inputs: [ValueInfo(name: "x", dtype: dtype, shape: [2, 3, 6, 6].map { .fixed($0) })],
        outputs: [ValueInfo(name: "y", dtype: dtype, shape: nil)],
        initializers: ["w": r([4, 3, 3, 3], 1, scale: 0.4), "b": r([4], 2), "scale": r([4], 3, scale: 0.3, offset: 1),
                       "shift": r([4], 4), "mean": r([4], 5, scale: 0.2), "var": r([4], 6, scale: 0.1, offset: 1),
                       "w2": r([5, 36], 7, scale: 0.3), "b2": r([5], 8)])
        return Model(graph: g, opsetImports: ["": 15])
    }

    func input(_ dtype: DType) -> Tensor { GradCheck.random([2, 3, 6, 6], seed: 9, dtype: dtype) }
    func cotangent(_ dtype: DType) -> Tensor { GradCheck.random([2, 5], seed: 10, dtype: dtype) }

    func session(_ m: Model, _ backend: BackendKind, parameters: Set<String>) throws -> Session {
        try Session(model: m, backend: backend.make(), registry: ConvNetGradientTests.registry, parameters: parameters)
    }

    /// Σ cotangent ⊙ y with `feeds` (parameters overridden by feeds of the same name).
    func objective(_ s: Session, _ feeds: [String: Tensor], _ c: Tensor) throws -> Double {
        zip(try s.run(feeds, outputs: ["y"])["y"]!.doubles, c.doubles).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// The value of `name` in `s` (a feed or a parameter).
    func value(_ s: Session, _ name: String, _ feeds: [String: Tensor]) -> Tensor { feeds[name] ?? s.parameters[name]! }

    /// Per-element central differences (float64).
    func checkElementwise(_ s: Session, _ feeds: [String: Tensor], _ c: Tensor, _ grads: [String: Tensor],
                          file: StaticString = #filePath, line: UInt = #line) throws {
        let h = 1e-6
        for (name, g) in grads {
            let t = value(s, name, feeds)
            var v = t.doubles
            let gd = g.doubles
            for i in 0..<v.count {
                let o = v[i]
                var f = feeds
                v[i] = o + h; f[name] = Tensor(shape: t.shape, dtype: t.dtype, doubles: v)
                let plus = try objective(s, f, c)
                v[i] = o - h; f[name] = Tensor(shape: t.shape, dtype: t.dtype, doubles: v)
                let minus = try objective(s, f, c)
                v[i] = o
                let numeric = (plus - minus) / (2 * h)
                if abs(numeric - gd[i]) > 1e-6 * max(1, abs(numeric)) {
                    XCTFail("d/d\(name)[\(i)]: analytic \(gd[i]), numeric \(numeric)", file: file, line: line)
                    break
                }
            }
        }
    }

    /// Central differences along one random unit direction in the space of every
    /// differentiated value (float32: one directional derivative, with a step small enough to
    /// cross no Relu or MaxPool kink, yet large against rounding).
    func checkDirectional(_ s: Session, _ feeds: [String: Tensor], _ c: Tensor, _ grads: [String: Tensor],
                          file: StaticString = #filePath, line: UInt = #line) throws {
        let names = grads.keys.sorted()
        var directions = names.enumerated().map { GradCheck.random(value(s, $1, feeds).shape, seed: 100 + UInt64($0)).doubles }
        let norm = directions.joined().reduce(0) { $0 + $1 * $1 }.squareRoot()
        directions = directions.map { $0.map { $0 / norm } }
        let h = 1e-3
        var plus = feeds, minus = feeds
        var predicted = 0.0
        for (name, d) in zip(names, directions) {
            let t = value(s, name, feeds), v = t.doubles
            predicted += zip(d, grads[name]!.doubles).reduce(0) { $0 + $1.0 * $1.1 }
            plus[name] = Tensor(shape: t.shape, dtype: t.dtype, doubles: zip(v, d).map { $0 + h * $1 })
            minus[name] = Tensor(shape: t.shape, dtype: t.dtype, doubles: zip(v, d).map { $0 - h * $1 })
        }
        let numeric = (try objective(s, plus, c) - objective(s, minus, c)) / (2 * h)
        XCTAssertEqual(numeric, predicted, accuracy: 1e-2 * max(1, abs(numeric)), "directional derivative", file: file, line: line)
    }

    /// max |a − b| over the larger of max |b| and 0.01 (a gradient that is zero in exact
    /// arithmetic, like the conv bias's before batch statistics, is compared absolutely).
    func relativeError(_ a: Tensor, _ b: Tensor) -> Double {
        let x = a.doubles, y = b.doubles
        let scale = max(y.map(abs).max() ?? 0, 0.01)
        return (zip(x, y).map { abs($0 - $1) }.max() ?? 0) / scale
    }

    /// float64 gradients of the reference backend, checked against finite differences.
    func referenceGradients(training: Bool) throws -> [String: Tensor] {
        let s = try session(model(.float64, training: training), .reference, parameters: Set(Self.weights))
        let feeds = ["x": input(.float64)], c = cotangent(.float64)
        let grads = try s.gradients(feeds, of: "y", wrt: ["x"] + Self.weights, cotangent: c).gradients
        try checkElementwise(s, feeds, c, grads)
        try checkDirectional(s, feeds, c, grads)
        return grads
    }

    func testReferenceBackendAgainstFiniteDifferences() throws {
        _ = try referenceGradients(training: false)
        _ = try referenceGradients(training: true)
    }

    /// Constant weights: BatchNormalization folds into the convolution and Relu becomes its
    /// post-op, so the input gradient runs FusedConv's rule.
    func testDNNLFusedGraph() throws {
        let s = try session(model(.float32), .dnnl, parameters: [])
        let fused = s.graph.nodes.filter { FusedConv.isFused($0) }
        XCTAssertEqual(fused.count, 1)
        XCTAssertEqual(fused.first.map { FusedConv.postOps($0).map(\.op) }, ["Relu"])
        XCTAssertFalse(s.graph.nodes.contains { $0.opType == "BatchNormalization" || $0.opType == "Relu" })
        let feeds = ["x": input(.float32)], c = cotangent(.float32)
        let grads = try s.gradients(feeds, of: "y", wrt: ["x"], cotangent: c).gradients
        XCTAssertLessThanOrEqual(relativeError(grads["x"]!, try referenceGradients(training: false)["x"]!), 1e-4)
        try checkDirectional(s, feeds, c, grads)
        let backward = try XCTUnwrap(DNNLTesting.context(s)?.backward)
        XCTAssertGreaterThan(backward.executions, 0)
        XCTAssertEqual(backward.fallbacks, 0)
    }

    /// Weights as parameters: nothing is folded; Conv, BatchNormalization (both modes), Relu
    /// and MaxPool run oneDNN backward primitives.
    func testDNNLParametersUnfused() throws {
        for training in [false, true] {
            let s = try session(model(.float32, training: training), .dnnl, parameters: Set(Self.weights))
            XCTAssertFalse(s.graph.nodes.contains { FusedConv.isFused($0) })
            let feeds = ["x": input(.float32)], c = cotangent(.float32)
            let grads = try s.gradients(feeds, of: "y", wrt: ["x"] + Self.weights, cotangent: c).gradients
            let expected = try referenceGradients(training: training)
            for name in ["x"] + Self.weights {
                XCTAssertLessThanOrEqual(relativeError(grads[name]!, expected[name]!), 1e-4, "d\(name), training \(training)")
            }
            try checkDirectional(s, feeds, c, grads)
            let backward = try XCTUnwrap(DNNLTesting.context(s)?.backward)
            XCTAssertGreaterThanOrEqual(backward.executions, 4, "conv data + weights, batch norm, relu, pool")
            XCTAssertEqual(backward.fallbacks, 0)
        }
    }
}
