import XCTest
@testable import Runtime

final class LossAndOptimizerTests: XCTestCase {
    /// Evaluates a loss built on inputs a, b (shape [2, 3, 1, 2]).
    func evaluate(_ build: (inout GraphBuilder, String, String) throws -> String, opset: Int = 17,
                  _ a: [Float], _ b: [Float]) throws -> Float {
        let shape: [Dim] = [.fixed(2), .fixed(3), .fixed(1), .fixed(2)]
        var builder = GraphBuilder(Graph(inputs: [ValueInfo(name: "a", dtype: .float32, shape: shape),
                                                  ValueInfo(name: "b", dtype: .float32, shape: shape)]), opset: opset)
        let loss = try build(&builder, "a", "b")
        builder.output(loss)
        let s = try Session(model: Model(graph: builder.graph, opsetImports: ["": opset]), backend: .reference)
        let out = try s.run(["a": Tensor(shape: [2, 3, 1, 2], floats: a), "b": Tensor(shape: [2, 3, 1, 2], floats: b)])[loss]!
        XCTAssertEqual(out.shape, [])
        return out.floats[0]
    }

    let a: [Float] = [1, 0, 2, 0, 2, 0, /* n=1 */ 1, 1, 1, 1, 1, 1]
    let b: [Float] = [1, 1, 2, 1, 2, 1, /* n=1 */ -1, 2, -1, 2, -1, 2]

    func testL1AndMSE() throws {
        // |a−b| = [0,1,0,1,0,1, 2,1,2,1,2,1] → mean 12/12; squares 0,1,0,1,0,1,4,1,4,1,4,1 → 18/12.
        for opset in [13, 17, 18] {
            XCTAssertEqual(try evaluate(Losses.l1, opset: opset, a, b), 1, accuracy: 1e-6)
            XCTAssertEqual(try evaluate(Losses.mse, opset: opset, a, b), 1.5, accuracy: 1e-6)
        }
    }

    func testCosineDistanceOverChannels() throws {
        // Channels are axis 1 (3 values) at 4 positions (n, w):
        // n0 w0: a=(1,2,2) b=(1,2,2) → cos 1; n0 w1: a=0 → cos 0 (norm clamped);
        // n1 w0: a=(1,1,1) b=(-1,-1,-1) → cos −1; n1 w1: a=(1,1,1) b=(2,2,2) → cos 1.
        // mean(1 − cos) = (0 + 1 + 2 + 0) / 4.
        for opset in [13, 17, 18] {
            XCTAssertEqual(try evaluate({ Losses.cosineDistance(&$0, $1, $2) }, opset: opset, a, b), 0.75, accuracy: 1e-6)
        }
    }

    func testWeightedSumAndPerceptualLoss() throws {
        XCTAssertEqual(try evaluate({ b, x, y in
            let l1 = Losses.l1(&b, x, y), mse = Losses.mse(&b, x, y)
            return Losses.weightedSum(&b, [(l1, 1), (mse, 0.5)])
        }, a, b), 1 + 0.75, accuracy: 1e-6)

        // A feature net: f1 = Relu(x), f2 = f1 * 2. Perceptual L1 at both layers.
        let features = Graph(nodes: [Node(opType: "Relu", inputs: ["img"], outputs: ["f1"]),
                                     Node(opType: "Mul", inputs: ["f1", "two"], outputs: ["f2"])],
                             inputs: [ValueInfo(name: "img", dtype: .float32, shape: nil)],
                             outputs: [ValueInfo(name: "f2", dtype: .float32, shape: nil)],
                             initializers: ["two": Tensor(scalar: 2)])
        // relu(b) = [1,1,2,1,2,1, 0,2,0,2,0,2]; |relu a − relu b| = [0,1,0,1,0,1, 1,1,1,1,1,1] → 9/12.
        let v = try evaluate({ try Losses.perceptual(&$0, features: features, layers: ["f1", "f2"], $1, $2) }, a, b)
        XCTAssertEqual(v, 0.75 + 1.5, accuracy: 1e-6)
    }

    func testScheduleDecaysAtMilestones() {
        let s = LearningRateSchedule(base: 0.01, milestones: [800, 1200, 1800], gamma: 0.5)
        XCTAssertEqual(s.rate(at: 0), 0.01)
        XCTAssertEqual(s.rate(at: 799), 0.01)
        XCTAssertEqual(s.rate(at: 800), 0.005)
        XCTAssertEqual(s.rate(at: 1800), 0.00125)
    }

    func testSGDWithMomentumMatchesHandComputation() throws {
        var sgd = SGD(schedule: .constant(0.1), momentum: 0.9)
        var p = ["w": Tensor(shape: [2], floats: [1, -1])]
        let g = ["w": Tensor(shape: [2], floats: [0.5, 2])]
        try sgd.update(&p, gradients: g)       // v = g; w -= 0.1 g
        XCTAssertEqual(p["w"]!.floats, [0.95, -1.2])
        try sgd.update(&p, gradients: g)       // v = 0.9 g + g = 1.9 g; w -= 0.19 g
        XCTAssertEqual(p["w"]!.floats[0], 0.855, accuracy: 1e-6)
        XCTAssertEqual(p["w"]!.floats[1], -1.58, accuracy: 1e-6)
    }

    func testAdamFirstStepMovesByTheLearningRateAndMinimisesAQuadratic() throws {
        var adam = Adam(lr: 0.01)
        var p = ["w": Tensor(shape: [3], floats: [1, -2, 3])]
        // With bias correction the first step is lr·sign(g) (up to ε).
        try adam.update(&p, gradients: ["w": Tensor(shape: [3], floats: [4, -0.5, 1e-3])])
        XCTAssertEqual(p["w"]!.floats[0], 0.99, accuracy: 1e-5)
        XCTAssertEqual(p["w"]!.floats[1], -1.99, accuracy: 1e-5)
        XCTAssertEqual(p["w"]!.floats[2], 2.99, accuracy: 1e-4)
        // f(w) = Σ (w − t)², gradient 2(w − t).
        let target: [Float] = [0.5, 0.25, -1]
        var opt = Adam(lr: 0.05)
        var q = ["w": Tensor(shape: [3], floats: [1, -2, 3])]
        for _ in 0..<2000 {
            let w = q["w"]!.floats
            try opt.update(&q, gradients: ["w": Tensor(shape: [3], floats: zip(w, target).map { 2 * ($0 - $1) })])
        }
        for (w, t) in zip(q["w"]!.floats, target) { XCTAssertEqual(w, t, accuracy: 1e-3) }
    }

    func testRestoredStateContinuesExactly() throws {
        func grads(_ k: Int) -> [String: Tensor] { ["w": Tensor(shape: [2], floats: [Float(k) * 0.1, -1])] }
        var a = Adam(schedule: LearningRateSchedule(base: 0.1, milestones: [3], gamma: 0.1))
        var pa = ["w": Tensor(shape: [2], floats: [1, 2])]
        for k in 0..<5 { try a.update(&pa, gradients: grads(k)) }

        var b1 = Adam(schedule: LearningRateSchedule(base: 0.1, milestones: [3], gamma: 0.1))
        var pb = ["w": Tensor(shape: [2], floats: [1, 2])]
        for k in 0..<2 { try b1.update(&pb, gradients: grads(k)) }
        var b2 = Adam(schedule: LearningRateSchedule(base: 0.1, milestones: [3], gamma: 0.1))
        try b2.restore(b1.state)
        for k in 2..<5 { try b2.update(&pb, gradients: grads(k)) }
        XCTAssertEqual(pa["w"]!.floats, pb["w"]!.floats, "bit-identical after a restore")
        XCTAssertThrowsError(try b2.update(&pb, gradients: [:]))
    }
}

extension LossAndOptimizerTests {
    func testLBFGSMinimisesRosenbrockAndAQuadraticOverTensors() throws {
        var opt = LBFGS(history: 10, maxIterations: 200, gradientTolerance: 1e-9)
        let (x, v) = try opt.minimize([-1.2, 1]) { p in
            let (a, b) = (p[0], p[1])
            let f = (1 - a) * (1 - a) + 100 * (b - a * a) * (b - a * a)
            return (f, [-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])
        }
        XCTAssertEqual(x[0], 1, accuracy: 1e-5)
        XCTAssertEqual(x[1], 1, accuracy: 1e-5)
        XCTAssertLessThan(v, 1e-10)
        XCTAssertLessThan(opt.evaluations, 200, "a line search, not a crawl")

        var q = LBFGS()
        let target: [Float] = [1, -2, 0.5, 4]
        let (p, value) = try q.minimize(["z": Tensor(shape: [2, 2], floats: [0, 0, 0, 0])]) { params in
            let z = params["z"]!.floats
            let d = zip(z, target).map { $0 - $1 }
            return (Double(d.map { $0 * $0 }.reduce(0, +)), ["z": Tensor(shape: [2, 2], floats: d.map { 2 * $0 })])
        }
        XCTAssertEqual(p["z"]!.shape, [2, 2])
        for (a, b) in zip(p["z"]!.floats, target) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        XCTAssertLessThan(value, 1e-8)
    }
}
