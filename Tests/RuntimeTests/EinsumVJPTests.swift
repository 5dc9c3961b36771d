import XCTest
@testable import Runtime

private typealias G = GradCheck

/// Einsum gradients against central finite differences in float64: contractions, batch axes,
/// implicit output, diagonals (labels repeated in one operand), labels summed out of one
/// operand alone, size-1 and ellipsis broadcasting, three operands.
final class EinsumVJPTests: XCTestCase {
    private func check(_ equation: String, _ shapes: [[Int]], file: StaticString = #filePath, line: UInt = #line) throws {
        let operands = shapes.enumerated().map { G.random($1, seed: UInt64(10 + $0)) }
        try G.check("Einsum", operands, ["equation": .string(equation)], opset: 12, file: file, line: line)
    }

    func testContractionsAndBatchAxes() throws {
        try check("ij,jk->ik", [[2, 3], [3, 4]])
        try check("bij,bjk->bik", [[2, 3, 4], [2, 4, 2]])
        try check("ij,kj->ik", [[3, 2], [4, 2]])
        try check("i,j->ij", [[3], [4]])
        try check("ij,ij->", [[2, 3], [2, 3]])
        try check("ij,jk", [[2, 3], [3, 2]])
        try check("ij->ji", [[2, 3]])
    }

    func testDiagonalsAndTraces() throws {
        try check("ii->i", [[3, 3]])
        try check("ii", [[3, 3]])
        try check("ii,ij->j", [[3, 3], [3, 2]])
        try check("iij->ji", [[2, 2, 3]])
        try check("bii,bi->b", [[2, 3, 3], [2, 3]])
    }

    /// Labels only one operand has (summed out by the forward): their gradient is broadcast.
    func testLabelsSummedOutOfOneOperand() throws {
        try check("ij->", [[2, 3]])
        try check("ij,k->k", [[2, 3], [4]])
        try check("ijk,j->i", [[2, 3, 2], [3]])
    }

    func testBroadcastingSizeOneAndEllipsis() throws {
        try check("bij,bjk->bik", [[1, 2, 3], [3, 3, 2]])
        try check("ij,ij->ij", [[1, 3], [2, 3]])
        try check("...ij,...jk->...ik", [[2, 3, 4], [4, 2]])
        try check("...ij,...jk->...ik", [[2, 1, 2, 3], [3, 3, 2]])
        try check("i...,i...->...", [[2, 3, 1], [2, 1, 4]])
        try check("...ii->...i", [[2, 3, 3]])
    }

    func testThreeOperands() throws {
        try check("ij,jk,kl->il", [[2, 3], [3, 2], [2, 4]])
        try check("i,ij,j", [[3], [3, 2], [2]])
    }

    /// The same value as both operands: the engine adds the two operand gradients.
    func testSharedOperand() throws {
        let x = G.random([3, 3], seed: 30)
        let g = Graph(nodes: [Node(opType: "Einsum", inputs: ["x", "x"], outputs: ["y"], attributes: ["equation": .string("ij,jk->ik")])],
                      inputs: [ValueInfo(name: "x", dtype: .float64, shape: [.fixed(3), .fixed(3)])],
                      outputs: [ValueInfo(name: "y", dtype: nil, shape: nil)])
        try G.check(graph: g, opset: 12, feeds: ["x": x], output: "y")
    }
}
