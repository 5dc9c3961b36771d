import XCTest
@testable import Runtime

/// G = G_f ∘ g: cutting at named tensors, running from them, and perturbing them.
final class GraphSurgeryTests: XCTestCase {
    /// x → Relu → r1 → Mul(w) → layer1 → Relu → layer2 → Add(c) → y, plus a side output.
    func generator() -> Graph {
        Graph(nodes: [Node(name: "g1a", opType: "Relu", inputs: ["x"], outputs: ["r1"]),
                      Node(name: "g1b", opType: "Mul", inputs: ["r1", "w"], outputs: ["layer1"]),
                      Node(name: "g2", opType: "Relu", inputs: ["layer1"], outputs: ["layer2"]),
                      Node(name: "gf", opType: "Add", inputs: ["layer2", "c"], outputs: ["y"])],
              inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.symbolic("N"), .fixed(3)])],
              outputs: [ValueInfo(name: "y", dtype: .float32, shape: [.symbolic("N"), .fixed(3)])],
              initializers: ["w": Tensor(shape: [3], floats: [1, -2, 3]), "c": Tensor(shape: [3], floats: [10, 20, 30])],
              valueInfo: ["layer1": ValueInfo(name: "layer1", dtype: .float32, shape: [.symbolic("N"), .fixed(3)])])
    }

    let x = Tensor(shape: [2, 3], floats: [1, 2, 3, -4, 5, -6])

    func testPrefixAndSuffixComposeToTheWholeGraph() throws {
        let g = generator()
        let prefix = try GraphSurgery.prefix(g, upTo: ["layer1"])
        let suffix = try GraphSurgery.suffix(g, from: ["layer1"])
        XCTAssertEqual(prefix.nodes.map(\.name), ["g1a", "g1b"])
        XCTAssertEqual(Set(prefix.initializers.keys), ["w"])
        XCTAssertEqual(suffix.nodes.map(\.name), ["g2", "gf"])
        XCTAssertEqual(Set(suffix.initializers.keys), ["c"])
        XCTAssertEqual(suffix.inputs.map(\.name), ["layer1"])
        XCTAssertEqual(suffix.inputs[0].shapeDescription, "[N, 3]")

        let whole = try Session(model: Model(graph: g), backend: .reference).run(["x": x])["y"]!
        let r = try Session(model: Model(graph: prefix), backend: .reference).run(["x": x])["layer1"]!
        XCTAssertEqual(r.floats, [1, -4, 9, 0, -10, 0])
        let y = try Session(model: Model(graph: suffix), backend: .dnnl).run(["layer1": r])["y"]!
        XCTAssertEqual(y.floats, whole.floats)
        XCTAssertEqual(y.floats, [11, 20, 39, 10, 20, 30])
    }

    func testACutThatDoesNotSeparateIsRefused() throws {
        var g = generator()
        // A skip connection from the input around the cut.
        g.nodes[3] = Node(name: "gf", opType: "Add", inputs: ["layer2", "x"], outputs: ["y"])
        XCTAssertThrowsError(try GraphSurgery.suffix(g, from: ["layer1"])) { e in
            XCTAssertTrue("\(e)".contains("'x' is still needed"), "\(e)")
        }
        XCTAssertThrowsError(try GraphSurgery.prefix(g, upTo: ["nope"])) { e in
            XCTAssertTrue("\(e)".contains("'nope'"), "\(e)")
        }
    }

    func testPerturbationStartsAtZeroAndIsAParameter() throws {
        let (g, delta) = try GraphSurgery.perturb(generator(), at: "layer1", shape: [1, 3])
        XCTAssertEqual(delta, "layer1.delta")
        XCTAssertEqual(g.nodes.map(\.opType), ["Relu", "Mul", "Add", "Relu", "Add"])
        let s = try Session(model: Model(graph: g), backend: .reference, parameters: [delta])
        XCTAssertEqual(try s.run(["x": x])["y"]!.floats, [11, 20, 39, 10, 20, 30], "δ = 0 changes nothing")
        try s.setParameter(delta, Tensor(shape: [1, 3], floats: [1, 5, -100]))
        // relu(layer1 + δ) + c, δ broadcast over the batch.
        XCTAssertEqual(try s.run(["x": x])["y"]!.floats, [12, 21, 30, 11, 20, 30])
        XCTAssertThrowsError(try GraphSurgery.perturb(g, at: "layer1", shape: [1, 3]))
    }
}
