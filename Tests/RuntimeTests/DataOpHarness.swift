import XCTest
import Runtime

/// Runs one reference kernel of `OpRegistry.standard` on a hand-built node, without a graph.
enum DataOpHarness {
    static func run(_ type: String, _ inputs: [Tensor?], _ attributes: [String: Attribute] = [:],
                    opset: Int = 18, outputs: Int = 1) throws -> [Tensor] {
        let node = Node(opType: type, inputs: inputs.indices.map { inputs[$0] == nil ? "" : "in\($0)" },
                        outputs: (0..<outputs).map { "out\($0)" }, attributes: attributes)
        guard let def = OpRegistry.standard.definition(domain: "", type: type) else {
            throw RuntimeError.unsupported("no op \(type)")
        }
        return try def.makeReference(node, opset).run(inputs, KernelContext(node: node, opset: opset))
    }

    static func run1(_ type: String, _ inputs: [Tensor?], _ attributes: [String: Attribute] = [:], opset: Int = 18) throws -> Tensor {
        let outs = try run(type, inputs, attributes, opset: opset)
        guard let first = outs.first else { throw RuntimeError.invalid("\(type) produced no output") }
        return first
    }

    static func f(_ shape: [Int], _ v: [Float]) -> Tensor { Tensor(shape: shape, floats: v) }
    static func i64(_ v: [Int]) -> Tensor { Tensor(shape: [v.count], int64s: v.map(Int64.init)) }
    /// 0, 1, 2, … as float32.
    static func iota(_ shape: [Int]) -> Tensor { Tensor(shape: shape, floats: (0..<shape.reduce(1, *)).map(Float.init)) }

    /// Element-wise comparison with a tolerance and a readable failure.
    static func check(_ t: Tensor, _ shape: [Int], _ expected: [Double], accuracy: Double = 1e-5,
                      file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(t.shape, shape, "shape", file: file, line: line)
        let got = t.doubles
        XCTAssertEqual(got.count, expected.count, "element count", file: file, line: line)
        for (i, (g, e)) in zip(got, expected).enumerated() where abs(g - e) > accuracy {
            XCTFail("element \(i): got \(g), expected \(e) (all: \(got))", file: file, line: line)
            return
        }
    }

    /// Asserts that `body` throws a RuntimeError of `kind` whose message contains `fragment`.
    static func expectError(_ kind: RuntimeError.Kind, _ fragment: String, file: StaticString = #filePath, line: UInt = #line,
                            _ body: () throws -> Any) {
        do {
            _ = try body()
            XCTFail("expected a \(kind) error mentioning '\(fragment)'", file: file, line: line)
        } catch let e as RuntimeError {
            XCTAssertEqual(e.kind, kind, e.message, file: file, line: line)
            XCTAssertTrue(e.message.contains(fragment), "message '\(e.message)' lacks '\(fragment)'", file: file, line: line)
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }
}
