import XCTest
@testable import Runtime

/// Central finite differences against the reverse-mode engine, for one node or a whole graph.
/// Checks d sum(y ⊙ c)/dx for a random cotangent c, in float64 when the inputs are float64.
enum GradCheck {
    /// Checks the gradients of `output` w.r.t. `wrt` (default: every float input) of `graph`.
    static func check(graph: Graph, opset: Int = 17, feeds: [String: Tensor], output: String, wrt: [String]? = nil,
                      backend: BackendKind = .reference, eps: Double? = nil, tolerance: Double? = nil,
                      file: StaticString = #filePath, line: UInt = #line) throws {
        let session = try Session(model: Model(graph: graph, opsetImports: ["": opset]), backend: backend)
        let names = wrt ?? feeds.keys.sorted().filter { feeds[$0]!.dtype.isFloatingPoint }
        let y0 = try session.run(feeds, outputs: [output])[output]!
        var rng = SeededRandom(seed: 99)
        let c = Tensor(shape: y0.shape, dtype: y0.dtype, doubles: (0..<y0.count).map { _ in rng.normal() })
        let analytic = try session.gradients(feeds, of: output, wrt: names, cotangent: c).gradients
        let isDouble = feeds.values.allSatisfy { !$0.dtype.isFloatingPoint || $0.dtype == .float64 }
        let h = eps ?? (isDouble ? 1e-6 : 1e-2)
        let tol = tolerance ?? (isDouble ? 1e-6 : 2e-2)
        let cd = c.doubles
        func objective(_ f: [String: Tensor]) throws -> Double {
            let y = try session.run(f, outputs: [output])[output]!.doubles
            return zip(y, cd).reduce(0) { $0 + $1.0 * $1.1 }
        }
        for name in names {
            let x = feeds[name]!
            var numeric = [Double](repeating: 0, count: x.count)
            var xd = x.doubles
            for i in 0..<x.count {
                let orig = xd[i]
                xd[i] = orig + h
                var f = feeds
                f[name] = Tensor(shape: x.shape, dtype: x.dtype, doubles: xd)
                let plus = try objective(f)
                xd[i] = orig - h
                f[name] = Tensor(shape: x.shape, dtype: x.dtype, doubles: xd)
                let minus = try objective(f)
                xd[i] = orig
                numeric[i] = (plus - minus) / (2 * h)
            }
            guard let g = analytic[name] else { XCTFail("no gradient for \(name)", file: file, line: line); continue }
            XCTAssertEqual(g.shape, x.shape, "gradient shape for \(name)", file: file, line: line)
            let ad = g.doubles
            let scale = max(1, numeric.map(abs).max() ?? 0)
            for i in 0..<min(ad.count, numeric.count) where abs(ad[i] - numeric[i]) > tol * scale {
                XCTFail("d/d\(name)[\(i)]: analytic \(ad[i]), numeric \(numeric[i]) (tolerance \(tol * scale))", file: file, line: line)
                break
            }
        }
    }

    /// One-node convenience: inputs named x0, x1, … (nil: omitted optional input), output y.
    static func check(_ op: String, _ inputs: [Tensor?], _ attributes: [String: Attribute] = [:], opset: Int = 17,
                      wrt: [Int]? = nil, outputs: Int = 1, backend: BackendKind = .reference,
                      eps: Double? = nil, tolerance: Double? = nil,
                      file: StaticString = #filePath, line: UInt = #line) throws {
        let names = inputs.indices.map { inputs[$0] == nil ? "" : "x\($0)" }
        let outs = (0..<outputs).map { $0 == 0 ? "y" : "y\($0)" }
        var feeds: [String: Tensor] = [:]
        for (n, t) in zip(names, inputs) where !n.isEmpty { feeds[n] = t! }
        let graph = Graph(nodes: [Node(opType: op, inputs: names, outputs: outs, attributes: attributes)],
                          inputs: zip(names, inputs).compactMap { n, t in t.map { ValueInfo(name: n, dtype: $0.dtype, shape: $0.shape.map { .fixed($0) }) } },
                          outputs: [ValueInfo(name: "y", dtype: nil, shape: nil)])
        let wrtNames = wrt.map { $0.map { "x\($0)" } }
        try check(graph: graph, opset: opset, feeds: feeds, output: "y", wrt: wrtNames, backend: backend,
                  eps: eps, tolerance: tolerance, file: file, line: line)
    }

    /// Seeded normal values, float64 by default.
    static func random(_ shape: [Int], seed: UInt64, dtype: DType = .float64, scale: Double = 1, offset: Double = 0) -> Tensor {
        var rng = SeededRandom(seed: seed)
        return Tensor(shape: shape, dtype: dtype, doubles: (0..<shape.reduce(1, *)).map { _ in rng.normal() * scale + offset })
    }
}
