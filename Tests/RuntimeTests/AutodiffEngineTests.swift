import XCTest
@testable import Runtime

/// The engine itself, with rules registered in a private registry: broadcasting undone
/// centrally, fan-out accumulated, parameters differentiable, errors for missing rules.
final class AutodiffEngineTests: XCTestCase {
    /// A registry with Add/Mul forward kernels from the standard one and hand-written rules.
    func registry() -> OpRegistry {
        let r = OpRegistry()
        for op in ["Add", "Mul", "Relu"] { r.register(OpRegistry.standard.definition(domain: "", type: op)!) }
        r.registerVJP("Add") { c in [try c.outputGrad(0), try c.outputGrad(0)] }
        r.registerVJP("Mul") { c in
            let g = try c.outputGrad(0)
            let k = c.kernelContext
            let mul = try OpRegistry.standard.definition(domain: "", type: "Mul")!.makeReference(c.node, c.opset)
            return [try mul.run([g, c.inputs[1]], k)[0], try mul.run([g, c.inputs[0]], k)[0]]
        }
        return r
    }

    func testBroadcastGradientsAreSummedAndFanOutAccumulated() throws {
        // y = (a * b) + a, a: [2, 3], b: [3] (broadcast)
        let g = Graph(nodes: [Node(opType: "Mul", inputs: ["a", "b"], outputs: ["m"]),
                              Node(opType: "Add", inputs: ["m", "a"], outputs: ["y"])],
                      inputs: [ValueInfo(name: "a", dtype: .float32, shape: [.fixed(2), .fixed(3)]),
                               ValueInfo(name: "b", dtype: .float32, shape: [.fixed(3)])],
                      outputs: [ValueInfo(name: "y", dtype: .float32, shape: nil)])
        let s = try Session(model: Model(graph: g), backend: ReferenceBackend(), registry: registry())
        let a = Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6]), b = Tensor(shape: [3], floats: [10, 20, 30])
        let r = try s.gradients(["a": a, "b": b], of: "y", wrt: ["a", "b"])
        // dy/da = b + 1 per element; dy/db = column sums of a.
        XCTAssertEqual(r.gradients["a"]!.floats, [11, 21, 31, 11, 21, 31])
        XCTAssertEqual(r.gradients["b"]!.shape, [3])
        XCTAssertEqual(r.gradients["b"]!.floats, [5, 7, 9])
        XCTAssertEqual(r.value.floats, [11, 42, 93, 44, 105, 186])
    }

    func testParametersAreDifferentiableAndUpdatable() throws {
        let g = Graph(nodes: [Node(opType: "Mul", inputs: ["x", "w"], outputs: ["y"])],
                      inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.fixed(2)])],
                      outputs: [ValueInfo(name: "y", dtype: .float32, shape: nil)],
                      initializers: ["w": Tensor(shape: [2], floats: [3, 4])])
        let s = try Session(model: Model(graph: g), backend: ReferenceBackend(), registry: registry(), parameters: ["w"])
        let x = Tensor(shape: [2], floats: [5, 6])
        let c = Tensor(shape: [2], floats: [1, 10])
        XCTAssertEqual(try s.gradients(["x": x], of: "y", wrt: ["w"], cotangent: c).gradients["w"]!.floats, [5, 60])
        try s.setParameter("w", Tensor(shape: [2], floats: [-1, 1]))
        XCTAssertEqual(try s.run(["x": x])["y"]!.floats, [-5, 6], "a parameter is not folded as a constant")
        XCTAssertThrowsError(try s.setParameter("w", Tensor(zeros: [3])))
        XCTAssertThrowsError(try Session(model: Model(graph: g), backend: .reference, parameters: ["nope"]))
    }

    func testMissingRuleAndUnreachableOutputAreClearErrors() throws {
        let g = Graph(nodes: [Node(name: "r", opType: "Relu", inputs: ["x"], outputs: ["y"])],
                      inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.fixed(2)]),
                               ValueInfo(name: "z", dtype: .float32, shape: [.fixed(2)])],
                      outputs: [ValueInfo(name: "y", dtype: .float32, shape: nil)])
        let s = try Session(model: Model(graph: g), backend: ReferenceBackend(), registry: registry())
        let feeds = ["x": Tensor(zeros: [2]), "z": Tensor(zeros: [2])]
        XCTAssertThrowsError(try s.gradients(feeds, of: "y", wrt: ["x"])) { e in
            XCTAssertTrue("\(e)".contains("Relu 'r'") && "\(e)".contains("no gradient rule"), "\(e)")
        }
        XCTAssertThrowsError(try s.gradients(feeds, of: "y", wrt: ["z"])) { e in
            XCTAssertTrue("\(e)".contains("does not depend on 'z'"), "\(e)")
        }
        XCTAssertThrowsError(try s.gradients(feeds, of: "y", wrt: ["q"])) { e in
            XCTAssertTrue("\(e)".contains("'q'"), "\(e)")
        }
    }

    func testUnbroadcastSumsOverLeadingAndUnitAxes() throws {
        let g = Tensor(shape: [2, 2, 3], floats: (1...12).map(Float.init))
        XCTAssertEqual(try GradientMath.sum(g, toShape: [2, 1, 3]).floats, [5, 7, 9, 17, 19, 21])
        XCTAssertEqual(try GradientMath.sum(g, toShape: [3]).floats, [22, 26, 30])
        XCTAssertEqual(try GradientMath.sum(g, toShape: []).floats, [78])
        XCTAssertEqual(try GradientMath.sum(g.converted(to: .float64), toShape: [2, 1]).doubles, [30, 48], "right-aligned: [1, 2, 1]")
        XCTAssertThrowsError(try GradientMath.sum(g, toShape: [4]))
    }
}
