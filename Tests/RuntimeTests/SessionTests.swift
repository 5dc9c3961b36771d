import XCTest
@testable import Runtime

/// The executor: planning per input signature, constant folding (at construction and of
/// shape subgraphs per plan), buffer reuse, requested intermediates and feed validation.
final class SessionTests: XCTestCase {
    func ints(_ v: [Int]) -> Tensor { Tensor(shape: [v.count], int64s: v.map(Int64.init)) }

    /// x[N,2,3] → Shape → Gather(0) → Unsqueeze → Concat([N], [-1]) → Reshape(x) → Relu → y[N,6],
    /// the flatten pattern exporters write, plus Constant → Add(const, const) → Mul(y, c).
    func flattenModel() -> Model {
        let nodes = [
            Node(name: "shape", opType: "Shape", inputs: ["x"], outputs: ["s"]),
            Node(name: "gather", opType: "Gather", inputs: ["s", "zero"], outputs: ["n"], attributes: ["axis": .int(0)]),
            Node(name: "unsq", opType: "Unsqueeze", inputs: ["n", "axes0"], outputs: ["n1"]),
            Node(name: "concat", opType: "Concat", inputs: ["n1", "minus1"], outputs: ["target"], attributes: ["axis": .int(0)]),
            Node(name: "reshape", opType: "Reshape", inputs: ["x", "target"], outputs: ["flat"]),
            Node(name: "relu", opType: "Relu", inputs: ["flat"], outputs: ["r"]),
            Node(name: "const", opType: "Constant", inputs: [], outputs: ["c0"], attributes: ["value": .tensor(Tensor(scalar: 1.5))]),
            Node(name: "twice", opType: "Add", inputs: ["c0", "c0"], outputs: ["c"]),
            Node(name: "scale", opType: "Mul", inputs: ["r", "c"], outputs: ["y"]),
        ]
        let g = Graph(nodes: nodes,
                      inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.symbolic("N"), .fixed(2), .fixed(3)])],
                      outputs: [ValueInfo(name: "y", dtype: .float32, shape: [.symbolic("N"), .fixed(6)])],
                      initializers: ["zero": Tensor(scalarInt64: 0), "axes0": ints([0]), "minus1": ints([-1])])
        return Model(graph: g, opsetImports: ["": 17])
    }

    func testShapeSubgraphIsFoldedIntoThePlanAndConstantsAtConstruction() throws {
        for backend in BackendKind.allCases {
            let s = try Session(model: flattenModel(), backend: backend)
            // Constant and Add(c0, c0) depend on nothing: folded once.
            XCTAssertEqual(s.stats.foldedAtConstruction, 0, "stats are set by run")
            let x = Tensor(shape: [2, 2, 3], floats: (0..<12).map { Float($0) - 6 })
            let y1 = try s.run(["x": x])["y"]!
            XCTAssertEqual(y1.shape, [2, 6])
            XCTAssertEqual(y1.floats, (0..<12).map { max(Float($0) - 6, 0) * 3 })
            XCTAssertEqual(s.stats.foldedAtConstruction, 2, "\(backend)")
            // Shape, Gather, Unsqueeze, Concat are fixed by the signature.
            XCTAssertEqual(s.stats.foldedInPlan, 4, "\(backend)")
            let y2 = try s.run(["x": x])["y"]!
            XCTAssertEqual(y2.floats, y1.floats)
            XCTAssertEqual(s.stats.executedNodes, 3, "only Reshape, Relu, Mul run on replay [\(backend)]")
            XCTAssertEqual(s.stats.plans, 1)
        }
    }

    func testEachBatchSizeGetsItsOwnPlan() throws {
        let s = try Session(model: flattenModel(), backend: .reference)
        for n in [1, 3, 1, 3] {
            let x = Tensor(shape: [n, 2, 3], floats: (0..<(n * 6)).map(Float.init))
            let y = try s.run(["x": x])["y"]!
            XCTAssertEqual(y.shape, [n, 6], "the folded shape must follow the batch size")
            XCTAssertEqual(y.floats, (0..<(n * 6)).map { Float($0) * 3 })
        }
        XCTAssertEqual(s.stats.plans, 2)
    }

    func testBuffersAreRecycledAcrossNodesAndRuns() throws {
        // x → Neg → Neg → … (8 times): each intermediate dies right after its consumer.
        var nodes: [Node] = []
        var prev = "x"
        for i in 0..<8 {
            nodes.append(Node(name: "neg\(i)", opType: "Neg", inputs: [prev], outputs: ["t\(i)"]))
            prev = "t\(i)"
        }
        let g = Graph(nodes: nodes, inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.fixed(64)])],
                      outputs: [ValueInfo(name: prev, dtype: .float32, shape: [.fixed(64)])])
        let s = try Session(model: Model(graph: g), backend: .reference)
        let x = Tensor(shape: [64], floats: (0..<64).map(Float.init))
        _ = try s.run(["x": x])
        let firstAllocations = s.stats.bufferAllocations
        XCTAssertLessThan(firstAllocations, 8, "intermediates must reuse freed buffers")
        for _ in 0..<5 { XCTAssertEqual(try s.run(["x": x])[prev]!.floats, x.floats) }
        // The output leaves with the caller each run; everything else comes from the pool.
        XCTAssertLessThanOrEqual(s.stats.bufferAllocations, firstAllocations + 5)
        XCTAssertGreaterThan(s.stats.bufferReuses, 0)
    }

    func testIntermediateValuesCanBeRequested() throws {
        let s = try Session(model: flattenModel(), backend: .dnnl)
        let x = Tensor(shape: [1, 2, 3], floats: [-1, 2, -3, 4, -5, 6])
        let out = try s.run(["x": x], outputs: ["flat", "r", "target"])
        XCTAssertEqual(out["flat"]!.floats, [-1, 2, -3, 4, -5, 6])
        XCTAssertEqual(out["r"]!.floats, [0, 2, 0, 4, 0, 6])
        XCTAssertEqual(out["target"]!.ints, [1, -1])
        XCTAssertThrowsError(try s.run(["x": x], outputs: ["nope"])) { e in
            XCTAssertTrue("\(e)".contains("'nope'"), "\(e)")
        }
    }

    func testFeedsAreValidated() throws {
        let s = try Session(model: flattenModel(), backend: .reference)
        func message(_ feeds: [String: Tensor]) -> String {
            do { _ = try s.run(feeds); return "no error" } catch { return "\(error)" }
        }
        XCTAssertTrue(message([:]).contains("input 'x'"), message([:]))
        let wrongRank = message(["x": Tensor(zeros: [2, 6])])
        XCTAssertTrue(wrongRank.contains("rank 3") && wrongRank.contains("[2, 6]"), wrongRank)
        let wrongDim = message(["x": Tensor(zeros: [2, 3, 3])])
        XCTAssertTrue(wrongDim.contains("dimension 1 is 3, expected 2"), wrongDim)
        let wrongType = message(["x": Tensor(zeros: [2, 2, 3], dtype: .float64)])
        XCTAssertTrue(wrongType.contains("float32") && wrongType.contains("float64"), wrongType)
        let extra = message(["x": Tensor(zeros: [1, 2, 3]), "z": Tensor(zeros: [1])])
        XCTAssertTrue(extra.contains("'z' is not an input"), extra)
    }

    func testSymbolicDimensionsBindConsistentlyAcrossInputs() throws {
        let g = Graph(nodes: [Node(opType: "Add", inputs: ["a", "b"], outputs: ["c"])],
                      inputs: [ValueInfo(name: "a", dtype: .float32, shape: [.symbolic("N"), .fixed(2)]),
                               ValueInfo(name: "b", dtype: .float32, shape: [.symbolic("N"), .fixed(2)])],
                      outputs: [ValueInfo(name: "c", dtype: .float32, shape: nil)])
        let s = try Session(model: Model(graph: g), backend: .reference)
        XCTAssertNoThrow(try s.run(["a": Tensor(zeros: [3, 2]), "b": Tensor(zeros: [3, 2])]))
        XCTAssertThrowsError(try s.run(["a": Tensor(zeros: [3, 2]), "b": Tensor(zeros: [4, 2])])) { e in
            XCTAssertTrue("\(e)".contains("'N'"), "\(e)")
        }
    }

    func testUnsupportedOpsAreAllReportedAtOnce() throws {
        let g = Graph(nodes: [Node(name: "a", opType: "NoSuchOp", inputs: ["x"], outputs: ["y"]),
                              Node(name: "b", opType: "AlsoMissing", inputs: ["y"], outputs: ["z"]),
                              Node(name: "c", opType: "NoSuchOp", inputs: ["z"], outputs: ["w"])],
                      inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.fixed(1)])],
                      outputs: [ValueInfo(name: "w", dtype: .float32, shape: nil)])
        XCTAssertThrowsError(try Session(model: Model(graph: g), backend: .reference)) { e in
            let m = "\(e)"
            XCTAssertEqual((e as? RuntimeError)?.kind, .unsupportedOp)
            XCTAssertTrue(m.contains("NoSuchOp (2 nodes: 'a', 'c')") && m.contains("AlsoMissing (1 node: 'b')"), m)
        }
    }
}

extension SessionTests {
    func testValueTypesGiveEveryShapeForConcreteInputs() throws {
        let s = try Session(model: flattenModel(), backend: .reference)
        let types = try s.valueTypes(for: ["x": Tensor(zeros: [5, 2, 3])])
        XCTAssertEqual(types["s"], Session.ValueType(dtype: .int64, shape: [3]))
        XCTAssertEqual(types["target"], Session.ValueType(dtype: .int64, shape: [2]))
        XCTAssertEqual(types["flat"], Session.ValueType(dtype: .float32, shape: [5, 6]))
        XCTAssertEqual(types["y"], Session.ValueType(dtype: .float32, shape: [5, 6]))
        XCTAssertEqual(types["x"], Session.ValueType(dtype: .float32, shape: [5, 2, 3]))
    }
}
