import XCTest
@testable import Runtime

/// Runs single reference kernels and provides the index arithmetic the naive test
/// references use (written independently of the kernels' own geometry code).
enum NumericOpsHarness {
    static func run(_ op: String, _ inputs: [Tensor?], _ attributes: [String: Attribute] = [:],
                    outputs: Int = 1, opset: Int = 17) throws -> [Tensor] {
        let node = Node(name: "under_test", opType: op,
                        inputs: inputs.enumerated().map { $0.element == nil ? "" : "in\($0.offset)" },
                        outputs: (0..<outputs).map { "out\($0)" }, attributes: attributes)
        guard let def = OpRegistry.standard.definition(domain: "", type: op) else {
            throw RuntimeError.unsupported("\(op) is not registered")
        }
        return try def.makeReference(node, opset).run(inputs, KernelContext(node: node, opset: opset, pool: BufferPool()))
    }

    static func run1(_ op: String, _ inputs: [Tensor?], _ attributes: [String: Attribute] = [:], opset: Int = 17) throws -> Tensor {
        try run(op, inputs, attributes, opset: opset)[0]
    }

    /// Row-major coordinates of a flat index.
    static func coords(_ flat: Int, _ shape: [Int]) -> [Int] {
        var c = [Int](repeating: 0, count: shape.count), f = flat
        for i in stride(from: shape.count - 1, through: 0, by: -1) { c[i] = f % shape[i]; f /= shape[i] }
        return c
    }

    /// Row-major flat index of coordinates.
    static func flat(_ coords: [Int], _ shape: [Int]) -> Int {
        var f = 0
        for (c, s) in zip(coords, shape) { f = f * s + c }
        return f
    }

    static func assertClose(_ got: [Float], _ want: [Float], tolerance: Float = 1e-4, _ what: String = "",
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, "\(what): element count", file: file, line: line)
        guard got.count == want.count else { return }
        var worst: (Int, Float) = (-1, 0)
        for i in 0..<got.count {
            let err = abs(got[i] - want[i]) / max(1, abs(want[i]))
            if !(err <= worst.1) { worst = (i, err.isNaN ? .infinity : err) }
        }
        XCTAssert(worst.1 <= tolerance,
                  "\(what): element \(worst.0) is \(worst.0 >= 0 ? got[worst.0] : 0), expected \(worst.0 >= 0 ? want[worst.0] : 0)",
                  file: file, line: line)
    }
}

/// Deterministic pseudo-random values (64-bit LCG) so failures reproduce.
struct SeededValues {
    var state: UInt64
    init(_ seed: UInt64) { state = seed &* 6364136223846793005 &+ 1442695040888963407 }
    mutating func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int(state >> 40) % 2001 - 1000) / 500 // [-2, 2] in steps of 0.002
    }
    mutating func floats(_ n: Int) -> [Float] { (0..<n).map { _ in next() } }
    mutating func tensor(_ shape: [Int]) -> Tensor { Tensor(shape: shape, floats: floats(shape.reduce(1, *))) }
}
