@testable import Runtime
import XCTest

/// oneDNN eltwise, pooling, normalization and matmul kernels against the reference kernels
/// (relative error ≤ 1e-4), on plain inputs and on inputs in a blocked layout.
final class DNNLKernelTests: XCTestCase {
    /// One node over input "x" (fed) plus initializers; output "y".
    func check(_ op: String, x: [Int], _ attrs: [String: Any] = [:], extra: [(String, Tensor)] = [],
               opset: Int = 17, range: (Float, Float) = (-3, 3), expectOneDNN: Bool = true, seed: UInt64 = 7,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let node = Node.make(op, ["x"] + extra.map(\.0), ["y"], attrs)
        let model = DNNLTesting.model([node], inputs: [("x", x)],
                                      initializers: Dictionary(uniqueKeysWithValues: extra.filter { !$0.0.isEmpty }),
                                      outputs: ["y"], opset: opset)
        try DNNLTesting.compare(model, ["x": DNNLTesting.uniform(x, seed: seed, range.0, range.1)],
                                expectOneDNN: expectOneDNN, "\(op) x\(x) \(attrs)", file: file, line: line)
    }

    func testEltwise() throws {
        for op in ["Relu", "Tanh", "Sigmoid", "HardSwish", "Exp", "Abs"] {
            try check(op, x: [2, 3, 5, 7])
            try check(op, x: [])
        }
        try check("Sqrt", x: [3, 17], range: (0, 5))
        try check("LeakyRelu", x: [2, 3, 4], ["alpha": 0.2])
        try check("LeakyRelu", x: [2, 3, 4])
        try check("Elu", x: [2, 3, 4], ["alpha": 0.7])
        try check("HardSigmoid", x: [2, 3, 4], ["alpha": 0.3, "beta": 0.4])
        try check("HardSigmoid", x: [2, 3, 4])
        try check("Clip", x: [4, 9], opset: 10)
        try check("Clip", x: [4, 9], ["min": -0.5, "max": 1.25], opset: 10)
        try check("Clip", x: [4, 9], extra: [("lo", Tensor(scalar: -1)), ("hi", Tensor(scalar: 0.5))])
        try check("Clip", x: [4, 9], extra: [("lo", Tensor(scalar: 0))])
        try check("Clip", x: [4, 9], extra: [("", Tensor(scalar: 0)), ("hi", Tensor(scalar: 2))])
        // Crossed bounds follow numpy (every element becomes max): the reference runs it.
        try check("Clip", x: [4, 9], extra: [("lo", Tensor(scalar: 1)), ("hi", Tensor(scalar: -1))], expectOneDNN: false)
    }

    func testPooling() throws {
        try check("MaxPool", x: [2, 3, 9, 9], ["kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]])
        try check("MaxPool", x: [1, 4, 10, 9], ["kernel_shape": [3, 2], "strides": [2, 2], "ceil_mode": 1])
        try check("MaxPool", x: [1, 4, 10, 9], ["kernel_shape": [2, 2], "dilations": [2, 2], "pads": [0, 1, 1, 0]])
        try check("MaxPool", x: [1, 4, 10, 9], ["kernel_shape": [3, 3], "strides": [2, 2], "auto_pad": "SAME_UPPER"])
        try check("MaxPool", x: [1, 4, 10, 9], ["kernel_shape": [2, 2], "strides": [2, 2], "auto_pad": "SAME_LOWER"])
        try check("MaxPool", x: [2, 3, 11], ["kernel_shape": [3], "strides": [2]])
        try check("MaxPool", x: [1, 2, 5, 6, 7], ["kernel_shape": [2, 2, 2], "strides": [2, 2, 2]])
        try check("AveragePool", x: [2, 3, 9, 9], ["kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]])
        try check("AveragePool", x: [2, 3, 9, 9], ["kernel_shape": [3, 3], "pads": [1, 0, 2, 1], "count_include_pad": 1])
        try check("AveragePool", x: [1, 4, 10, 9], ["kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1])
        try check("AveragePool", x: [1, 4, 10, 9], ["kernel_shape": [2, 2], "strides": [2, 2], "auto_pad": "SAME_UPPER",
                                                   "count_include_pad": 1])
        try check("AveragePool", x: [1, 4, 10, 9], ["kernel_shape": [3, 3], "auto_pad": "VALID"])
        // A ceil_mode window hanging past the padding is not counted by ONNX but would be by
        // oneDNN's include-padding average: that case runs on the reference kernel.
        try check("AveragePool", x: [1, 4, 10, 10], ["kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1,
                                                    "count_include_pad": 1], expectOneDNN: false)
        try check("GlobalAveragePool", x: [2, 5, 7, 6])
        try check("GlobalMaxPool", x: [2, 5, 7, 6])
        try check("GlobalAveragePool", x: [2, 5, 7])
    }

    func testRandomPooling() throws {
        var rng = SeededRandom(seed: 9)
        var checked = 0
        while checked < 16 {
            let op = rng.pick(["MaxPool", "AveragePool"])
            let k = [rng.pick([1, 2, 3, 4]), rng.pick([1, 2, 3])]
            let x = [rng.pick([1, 2]), rng.pick([1, 3, 16, 17]), rng.pick([5, 8, 11]), rng.pick([4, 9])]
            var attrs: [String: Any] = ["kernel_shape": k, "strides": [rng.pick([1, 2, 3]), rng.pick([1, 2])],
                                        "ceil_mode": rng.pick([0, 1])]
            if op == "MaxPool" { attrs["dilations"] = [rng.pick([1, 2]), rng.pick([1, 2])] }
            if op == "AveragePool" { attrs["count_include_pad"] = rng.pick([0, 1]) }
            switch rng.pick(["NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]) {
            case "NOTSET": attrs["pads"] = (0..<4).map { i in Int(rng.next() % UInt64(k[i % 2])) }
            case let a: attrs["auto_pad"] = a
            }
            let node = Node.make(op, [], [], attrs)
            guard let g = try? PoolGeometry(node: node, input: x) else { continue }
            // Only the include-padding average over a ceil_mode overhang is left to the reference.
            let overhang = (0..<2).contains { i in
                (g.outputSpatial[i] - 1) * g.strides[i] + g.dilatedKernel(i) > x[2 + i] + g.padsBegin[i] + g.padsEnd[i]
            }
            let reference = op == "AveragePool" && attrs["count_include_pad"] as? Int == 1 && overhang
            try check(op, x: x, attrs, expectOneDNN: !reference, seed: UInt64(checked))
            checked += 1
        }
    }

    func testBatchNormalization() throws {
        for x in [[2, 5, 6, 7], [4, 6], [2, 3, 10], [1, 32, 5, 5], [1, 3, 2, 3, 4]] {
            let c = x[1]
            let params: [(String, Tensor)] = [
                ("scale", DNNLTesting.uniform([c], seed: 1, 0.5, 2)), ("bias", DNNLTesting.uniform([c], seed: 2)),
                ("mean", DNNLTesting.uniform([c], seed: 3)), ("var", DNNLTesting.uniform([c], seed: 4, 0.1, 3)),
            ]
            try check("BatchNormalization", x: x, ["epsilon": 1e-3], extra: params)
            try check("BatchNormalization", x: x, extra: params, opset: 9)
        }
    }

    func testInstanceNormalization() throws {
        for x in [[2, 5, 6, 7], [1, 16, 8, 8], [3, 4, 10], [1, 2, 3, 4, 5]] {
            let c = x[1]
            try check("InstanceNormalization", x: x, ["epsilon": 1e-4],
                      extra: [("scale", DNNLTesting.uniform([c], seed: 1, 0.5, 2)), ("bias", DNNLTesting.uniform([c], seed: 2))])
        }
    }

    func testMatMul() throws {
        let cases: [([Int], [Int])] = [([3, 4], [4, 5]), ([2, 3, 4], [4, 5]), ([2, 1, 3, 4], [5, 4, 6]), ([4], [4, 5]),
                                       ([2, 3, 4], [4]), ([4], [4]), ([1, 7], [7, 1]), ([3, 2, 5], [3, 5, 2])]
        for (a, b) in cases {
            let node = Node.make("MatMul", ["a", "b"], ["y"])
            let model = DNNLTesting.model([node], inputs: [("a", a), ("b", b)], outputs: ["y"])
            try DNNLTesting.compare(model, ["a": DNNLTesting.uniform(a, seed: 1), "b": DNNLTesting.uniform(b, seed: 2)],
                                    "MatMul \(a) × \(b)")
        }
    }

    func testGemm() throws {
        let (m, k, n) = (5, 7, 3)
        for transA in [0, 1] {
            for transB in [0, 1] {
                for c in [nil, [n], [1, n], [m, 1], [m, n], []] as [[Int]?] {
                    for (alpha, beta) in [(1.0, 1.0), (0.5, 2.0), (1.0, 0.0)] {
                        let a = transA == 1 ? [k, m] : [m, k], b = transB == 1 ? [n, k] : [k, n]
                        let node = Node.make("Gemm", ["a", "b"] + (c == nil ? [] : ["c"]), ["y"],
                                             ["transA": transA, "transB": transB, "alpha": alpha, "beta": beta])
                        var inits: [String: Tensor] = ["b": DNNLTesting.uniform(b, seed: 2)]
                        if let c { inits["c"] = DNNLTesting.uniform(c, seed: 3) }
                        let model = DNNLTesting.model([node], inputs: [("a", a)], initializers: inits, outputs: ["y"])
                        try DNNLTesting.compare(model, ["a": DNNLTesting.uniform(a, seed: 1)],
                                                "Gemm transA \(transA) transB \(transB) C \(c.map { "\($0)" } ?? "none") α \(alpha) β \(beta)")
                    }
                }
            }
        }
    }

    /// Ops reading a convolution's output in its blocked layout (the conv output is also a
    /// graph output, so nothing is fused): they run on the blocked data directly.
    func testKernelsOnBlockedInputs() throws {
        let c = 16
        let convInits: [String: Tensor] = ["w": DNNLTesting.uniform([c, 8, 3, 3], seed: 1, -0.3, 0.3),
                                           "scale": DNNLTesting.uniform([c], seed: 2, 0.5, 2),
                                           "bias": DNNLTesting.uniform([c], seed: 3),
                                           "mean": DNNLTesting.uniform([c], seed: 4),
                                           "var": DNNLTesting.uniform([c], seed: 5, 0.1, 2)]
        let consumers: [Node] = [
            .make("Relu", ["t"], ["y"]), .make("Tanh", ["t"], ["y"]), .make("Elu", ["t"], ["y"], ["alpha": 0.5]),
            .make("HardSigmoid", ["t"], ["y"]), .make("Clip", ["t"], ["y"], ["min": -0.2, "max": 0.3]),
            .make("BatchNormalization", ["t", "scale", "bias", "mean", "var"], ["y"]),
            .make("InstanceNormalization", ["t", "scale", "bias"], ["y"]),
            .make("MaxPool", ["t"], ["y"], ["kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]]),
            .make("AveragePool", ["t"], ["y"], ["kernel_shape": [2, 2], "strides": [2, 2]]),
            .make("GlobalAveragePool", ["t"], ["y"]),
        ]
        for consumer in consumers {
            let conv = Node.make("Conv", ["x", "w"], ["t"], ["pads": [1, 1, 1, 1]])
            let model = DNNLTesting.model([conv, consumer], inputs: [("x", [2, 8, 9, 9])], initializers: convInits,
                                          outputs: ["y", "t"], opset: 10)
            let (session, _) = try DNNLTesting.compare(model, ["x": DNNLTesting.uniform([2, 8, 9, 9], seed: 6)],
                                                       consumer.opType)
            // One reorder for each graph output taken out of the blocked layout; none in between.
            XCTAssertEqual(DNNLTesting.context(session)?.activationReorders, 2, consumer.opType)
        }
    }
}
