import XCTest
@testable import Runtime

private typealias G = GradCheck

/// Gradients of the elementwise family against central finite differences (float64), with
/// numpy broadcasting undone by the engine.
final class ElementwiseVJPTests: XCTestCase {
    let a = G.random([2, 1, 3], seed: 1), b = G.random([4, 3], seed: 2)
    /// Positive and away from 0, for divisors, logs, roots and bases.
    let pa = G.random([2, 1, 3], seed: 3, scale: 0.3, offset: 2), pb = G.random([4, 3], seed: 4, scale: 0.3, offset: 1.5)

    func testArithmeticWithBroadcasting() throws {
        for op in ["Add", "Sub", "Mul"] {
            try G.check(op, [a, b])
            try G.check(op, [b, a])
        }
        try G.check("Div", [a, pb])
        try G.check("Div", [b, pa])
        // A scalar operand.
        try G.check("Mul", [a, G.random([], seed: 5)])
    }

    /// a mod b = a − q·b: gradient 1 for a and −q for b, q truncated (fmod = 1) or floored.
    func testModBothConventions() throws {
        let dividend = G.random([2, 1, 3], seed: 12, scale: 4)
        let divisor = Tensor(shape: [4, 3], dtype: .float64, doubles: pb.doubles.enumerated().map { i, v in i % 2 == 0 ? v : -v })
        try G.check("Mod", [dividend, divisor], ["fmod": .int(1)])
        try G.check("Mod", [dividend, divisor], ["fmod": .int(0)])
    }

    func testPowBothInputsAndIntegerExponent() throws {
        try G.check("Pow", [pa, b])
        try G.check("Pow", [pb, G.random([3], seed: 6)])
        try G.check("Pow", [a, Tensor(shape: [3], int64s: [1, 2, 3])], wrt: [0])
    }

    func testUnaryMath() throws {
        let x = G.random([3, 4], seed: 7)
        let positive = G.random([3, 4], seed: 8, scale: 0.3, offset: 1.5)
        for op in ["Exp", "Neg", "Abs", "Erf"] { try G.check(op, [x]) }
        for op in ["Sqrt", "Log", "Reciprocal"] { try G.check(op, [positive]) }
    }

    func testVariadicSumMeanMaxMin() throws {
        let c = G.random([3], seed: 9)
        for op in ["Sum", "Mean", "Max", "Min"] {
            try G.check(op, [a, b, c])
            try G.check(op, [b])
        }
    }

    /// Ties go to the first input that attains the extremum.
    func testMaxTiesGoToTheFirstInput() throws {
        let g = Graph(nodes: [Node(opType: "Max", inputs: ["p", "q"], outputs: ["y"])],
                      inputs: [ValueInfo(name: "p", dtype: .float64, shape: [.fixed(3)]),
                               ValueInfo(name: "q", dtype: .float64, shape: [.fixed(3)])],
                      outputs: [ValueInfo(name: "y", dtype: nil, shape: nil)])
        let s = try Session(model: Model(graph: g), backend: .reference)
        let p = Tensor(shape: [3], dtype: .float64, doubles: [1, 5, 2]), q = Tensor(shape: [3], dtype: .float64, doubles: [1, 3, 4])
        let r = try s.gradients(["p": p, "q": q], of: "y", wrt: ["p", "q"])
        XCTAssertEqual(r.gradients["p"]!.doubles, [1, 1, 0])
        XCTAssertEqual(r.gradients["q"]!.doubles, [0, 0, 1])
    }

    func testWhereToXAndY() throws {
        let cond = Tensor(shape: [4, 1], dtype: .bool, doubles: [1, 0, 0, 1])
        try G.check("Where", [cond, a, b])
        try G.check("Where", [cond, b, G.random([], seed: 10)])
    }

    func testCastBetweenFloatTypes() throws {
        // float32 → float64, and back with a looser tolerance (the float32 output rounds).
        try G.check("Cast", [G.random([2, 3], seed: 11, dtype: .float32)], ["to": .int(DType.float64.rawValue)])
        try G.check("Cast", [G.random([2, 3], seed: 12)], ["to": .int(DType.float32.rawValue)], eps: 1e-2, tolerance: 1e-4)
        let g = Graph(nodes: [Node(opType: "Cast", inputs: ["x"], outputs: ["y"], attributes: ["to": .int(DType.float32.rawValue)])],
                      inputs: [ValueInfo(name: "x", dtype: .float64, shape: [.fixed(2)])],
                      outputs: [ValueInfo(name: "y", dtype: nil, shape: nil)])
        let s = try Session(model: Model(graph: g), backend: .reference)
        let dx = try s.gradients(["x": Tensor(shape: [2], dtype: .float64, doubles: [1, 2])], of: "y", wrt: ["x"]).gradients["x"]!
        XCTAssertEqual(dx.dtype, .float64)
        XCTAssertEqual(dx.doubles, [1, 1])
    }

    /// float32 runs its own (specialised) loops; float16 computes through float32.
    func testFloat32AndFloat16() throws {
        let a32 = G.random([2, 1, 3], seed: 13, dtype: .float32), b32 = G.random([4, 3], seed: 14, dtype: .float32)
        try G.check("Mul", [a32, b32])
        try G.check("Div", [a32, G.random([4, 3], seed: 15, dtype: .float32, scale: 0.3, offset: 2)])
        try G.check("Exp", [a32])
        let g = Graph(nodes: [Node(opType: "Mul", inputs: ["x", "x"], outputs: ["y"])],
                      inputs: [ValueInfo(name: "x", dtype: .float16, shape: [.fixed(2)])],
                      outputs: [ValueInfo(name: "y", dtype: nil, shape: nil)])
        let s = try Session(model: Model(graph: g), backend: .reference)
        let dx = try s.gradients(["x": Tensor(shape: [2], dtype: .float16, doubles: [1.5, -2])], of: "y", wrt: ["x"]).gradients["x"]!
        XCTAssertEqual(dx.dtype, .float16)
        XCTAssertEqual(dx.doubles, [3, -4], "d(x·x)/dx = 2x")
    }

    func testComparisonsAndRoundingAreNotDifferentiable() throws {
        let g = Graph(nodes: [Node(opType: "Floor", inputs: ["x"], outputs: ["y"])],
                      inputs: [ValueInfo(name: "x", dtype: .float64, shape: [.fixed(2)])],
                      outputs: [ValueInfo(name: "y", dtype: nil, shape: nil)])
        let s = try Session(model: Model(graph: g), backend: .reference)
        XCTAssertThrowsError(try s.gradients(["x": G.random([2], seed: 1)], of: "y", wrt: ["x"])) { e in
            XCTAssertTrue("\(e)".contains("Floor is not differentiable"), "\(e)")
        }
    }
}
