import XCTest
@testable import Runtime

/// DequantizeLinear's gradient with respect to its scale (per tensor and per axis) against
/// central finite differences; the quantizing ops refuse gradients with their reason.
final class QuantizationVJPTests: XCTestCase {
    private let data = Tensor(shape: [2, 3, 2], values: (0..<12).map { Int8($0 * 7 % 23 - 11) })

    /// The output is float32, so the check runs in float32 (exact up to rounding: y is linear in the scale).
    func testDequantizeLinearScaleGradient() throws {
        let perTensor = Tensor(shape: [], floats: [0.25])
        try GradCheck.check("DequantizeLinear", [data, perTensor, Tensor(shape: [], values: [Int8(3)])], opset: 13)
        try GradCheck.check("DequantizeLinear", [data, perTensor], opset: 10)
        let perAxis = Tensor(shape: [3], floats: [0.5, 0.125, 2])
        try GradCheck.check("DequantizeLinear", [data, perAxis, Tensor(shape: [3], values: [Int8(-2), 0, 5])], ["axis": .int(1)], opset: 13)
    }

    func testDequantizeLinearScaleGradientByHand() throws {
        let g = Graph(nodes: [Node(opType: "DequantizeLinear", inputs: ["x", "s", "z"], outputs: ["y"])],
                      inputs: [ValueInfo(name: "x", dtype: .uint8, shape: [.fixed(3)]), ValueInfo(name: "s", dtype: .float32, shape: []),
                               ValueInfo(name: "z", dtype: .uint8, shape: [])],
                      outputs: [ValueInfo(name: "y", dtype: nil, shape: nil)])
        let s = try Session(model: Model(graph: g, opsetImports: ["": 13]), backend: .reference)
        let feeds = ["x": Tensor(shape: [3], values: [UInt8(10), 12, 20]), "s": Tensor(scalar: 0.5), "z": Tensor(shape: [], values: [UInt8(12)])]
        // Σ dy·(x − z) = 1·(−2) + 2·0 + 3·8 = 22.
        let r = try s.gradients(feeds, of: "y", wrt: ["s"], cotangent: Tensor(shape: [3], floats: [1, 2, 3]))
        XCTAssertEqual(r.gradients["s"]!.floats, [22])
    }

    func testQuantizeLinearRefusesWithItsReason() throws {
        let g = Graph(nodes: [Node(opType: "QuantizeLinear", inputs: ["x", "s"], outputs: ["q"])],
                      inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.fixed(2)]), ValueInfo(name: "s", dtype: .float32, shape: [])],
                      outputs: [ValueInfo(name: "q", dtype: nil, shape: nil)])
        let s = try Session(model: Model(graph: g, opsetImports: ["": 13]), backend: .reference)
        XCTAssertThrowsError(try s.gradients(["x": Tensor(shape: [2], floats: [1, 2]), "s": Tensor(scalar: 0.5)], of: "q", wrt: ["x"])) { e in
            XCTAssertTrue("\(e)".contains("QuantizeLinear is not differentiable: it rounds to integers"), "\(e)")
        }
    }
}
