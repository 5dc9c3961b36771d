@testable import Runtime
import XCTest

/// Builds small graphs in Swift and runs them on the reference and oneDNN backends.
enum DNNLTesting {
    /// A model over `nodes`. `inputs` are fed at run time (float32, their shapes declared);
    /// `initializers` are constants.
    static func model(_ nodes: [Node], inputs: [(String, [Int])], initializers: [String: Tensor] = [:],
                      outputs: [String], opset: Int = 17) -> Model {
        let g = Graph(name: "dnnl-test", nodes: nodes,
                      inputs: inputs.map { ValueInfo(name: $0.0, dtype: .float32, shape: $0.1.map { .fixed($0) }) },
                      outputs: outputs.map { ValueInfo(name: $0, dtype: .float32, shape: nil) },
                      initializers: initializers)
        return Model(graph: g, opsetImports: ["": opset])
    }

    /// Uniform floats in [lo, hi) from `seed`.
    static func uniform(_ shape: [Int], seed: UInt64, _ lo: Float = -1, _ hi: Float = 1) -> Tensor {
        var rng = SeededRandom(seed: seed)
        var t = Tensor(zeros: shape, dtype: .float32)
        t.withUnsafeMutableBufferPointer(as: Float.self) { p in
            for i in p.indices { p[i] = lo + (hi - lo) * Float(rng.uniform()) }
        }
        return t
    }

    /// max |a − b| / max |b|: the error relative to the reference output's scale.
    static func relativeError(_ a: Tensor, _ b: Tensor) -> Double {
        let x = a.floats, y = b.floats
        guard x.count == y.count else { return .infinity }
        var maxDiff = 0.0, maxRef = 0.0
        for i in 0..<x.count {
            maxDiff = max(maxDiff, Double(abs(x[i] - y[i])))
            maxRef = max(maxRef, Double(abs(y[i])))
        }
        return maxDiff == 0 ? 0 : maxDiff / max(maxRef, 1e-30)
    }

    static func context(_ s: Session) -> DNNLContext? { (s.backend as? DNNLBackend)?.context }

    /// Runs `model` on both backends and checks every requested output (default: the graph
    /// outputs) for equal shape and relative error ≤ `tolerance`. With `expectOneDNN` it also
    /// checks that no oneDNN kernel fell back to the reference one. Returns the oneDNN
    /// session and its outputs.
    @discardableResult
    static func compare(_ model: Model, _ feeds: [String: Tensor], outputs: [String]? = nil, tolerance: Double = 1e-4,
                        expectOneDNN: Bool = true, _ what: String = "",
                        file: StaticString = #filePath, line: UInt = #line) throws -> (Session, [String: Tensor]) {
        let ref = try Session(model: model, backend: .reference)
        let dnnl = try Session(model: model, backend: .dnnl)
        let names = outputs ?? model.graph.outputs.map(\.name)
        let expected = try ref.run(feeds, outputs: names)
        let got = try dnnl.run(feeds, outputs: names)
        for name in names {
            guard let e = expected[name], let g = got[name] else {
                XCTFail("\(what): output \(name) missing", file: file, line: line)
                continue
            }
            XCTAssertEqual(g.shape, e.shape, "\(what): \(name) shape", file: file, line: line)
            XCTAssertTrue(g.isPlain, "\(what): \(name) returned in layout \(g.layout?.layoutName ?? "")", file: file, line: line)
            let err = relativeError(g, e)
            XCTAssertLessThanOrEqual(err, tolerance, "\(what): \(name) relative error", file: file, line: line)
        }
        if expectOneDNN {
            XCTAssertEqual(context(dnnl)?.referenceFallbacks, 0, "\(what): oneDNN kernels fell back to the reference",
                           file: file, line: line)
        }
        return (dnnl, got)
    }
}

extension Node {
    /// A test node whose attributes are given as Swift values (Int, Float, String, [Int], [Float], [String]).
    static func make(_ op: String, _ inputs: [String], _ outputs: [String], domain: String = "",
                     _ attrs: [String: Any] = [:]) -> Node {
        var a: [String: Attribute] = [:]
        for (k, v) in attrs {
            switch v {
            case let x as Int: a[k] = .int(x)
            case let x as Float: a[k] = .float(x)
            case let x as Double: a[k] = .float(Float(x))
            case let x as String: a[k] = .string(x)
            case let x as [Int]: a[k] = .ints(x)
            case let x as [Float]: a[k] = .floats(x)
            case let x as [String]: a[k] = .strings(x)
            default: preconditionFailure("unsupported test attribute \(k): \(v)")
            }
        }
        return Node(name: outputs.first ?? op, opType: op, domain: domain, inputs: inputs, outputs: outputs, attributes: a)
    }
}

extension SeededRandom {
    mutating func pick<T>(_ a: [T]) -> T { a[Int(next() % UInt64(a.count))] }
}
