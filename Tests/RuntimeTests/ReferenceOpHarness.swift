import XCTest
@testable import Runtime

/// Runs single reference-kernel nodes for the op-family tests.
enum ReferenceOpHarness {
    /// Runs `op` on `inputs` (nil: an omitted optional input) directly through its reference
    /// kernel in `OpRegistry.standard`.
    static func run(_ op: String, _ inputs: [Tensor?], _ attributes: [String: Attribute] = [:],
                    opset: Int = 17) throws -> Tensor {
        guard let def = OpRegistry.standard.definition(domain: "", type: op) else {
            throw RuntimeError.unsupported("\(op) is not registered")
        }
        let names = inputs.enumerated().map { $1 == nil ? "" : "x\($0)" }
        let node = Node(opType: op, inputs: names, outputs: ["y"], attributes: attributes)
        let outs = try def.makeReference(node, opset).run(inputs, KernelContext(node: node, opset: opset))
        guard let y = outs.first else { throw RuntimeError.invalid("\(op) produced no output") }
        return y
    }

    /// Runs a one-node model through `Session` with the reference backend.
    static func session(_ op: String, _ inputs: [Tensor], _ attributes: [String: Attribute] = [:],
                        opset: Int = 17) throws -> Tensor {
        let names = inputs.indices.map { "x\($0)" }
        let graph = Graph(nodes: [Node(opType: op, inputs: names, outputs: ["y"], attributes: attributes)],
                          inputs: zip(names, inputs).map { ValueInfo(name: $0, dtype: $1.dtype, shape: $1.shape.map { .fixed($0) }) },
                          outputs: [ValueInfo(name: "y", dtype: nil, shape: nil)])
        let session = try Session(model: Model(graph: graph, opsetImports: ["": opset]), backend: .reference)
        let out = try session.run(Dictionary(uniqueKeysWithValues: zip(names, inputs)))
        guard let y = out["y"] else { throw RuntimeError.invalid("no output") }
        return y
    }

    /// Checks dtype, shape and values (NaN matches NaN; `tolerance` is absolute + relative).
    static func assertTensor(_ t: Tensor, _ dtype: DType, _ shape: [Int], _ expected: [Double], tolerance: Double = 1e-6,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(t.dtype, dtype, "dtype", file: file, line: line)
        XCTAssertEqual(t.shape, shape, "shape", file: file, line: line)
        let got = t.doubles
        guard got.count == expected.count else {
            return XCTFail("\(got.count) values, expected \(expected.count)", file: file, line: line)
        }
        for (i, (g, e)) in zip(got, expected).enumerated() {
            if e.isNaN { XCTAssertTrue(g.isNaN, "[\(i)]: \(g), expected NaN", file: file, line: line); continue }
            if e.isInfinite { XCTAssertEqual(g, e, "[\(i)]", file: file, line: line); continue }
            XCTAssertEqual(g, e, accuracy: tolerance * (1 + abs(e)), "[\(i)] in \(got)", file: file, line: line)
        }
    }

    /// Asserts that `body` throws a `RuntimeError` of `kind`.
    static func assertRuntimeError<T>(_ kind: RuntimeError.Kind, file: StaticString = #filePath, line: UInt = #line,
                                      _ body: () throws -> T) {
        XCTAssertThrowsError(try body(), file: file, line: line) { e in
            XCTAssertEqual((e as? RuntimeError)?.kind, kind, "\(e)", file: file, line: line)
        }
    }
}
