import XCTest
@testable import Runtime

private typealias G = GradCheck

private func ints(_ a: [Int64], _ shape: [Int]? = nil) -> Tensor { Tensor(shape: shape ?? [a.count], int64s: a) }

/// Gradients of the indexing family: Slice (steps, negative steps, clamping, opset 1 form),
/// gathers with repeated indices (gradients add up), scatters and Trilu.
final class IndexingVJPTests: XCTestCase {
    let x = G.random([4, 5, 3], seed: 61)

    func testSliceStepsAndForms() throws {
        try G.check("Slice", [x, ints([1, 0]), ints([3, 5]), ints([0, 1])])
        try G.check("Slice", [x, ints([0]), ints([5]), ints([1]), ints([2])])
        // Negative steps: reversed and strided.
        try G.check("Slice", [x, ints([-1]), ints([-100]), ints([1]), ints([-1])])
        try G.check("Slice", [x, ints([3, 4]), ints([0, 0]), ints([0, 1]), ints([-2, -3])])
        // Clamped ends and an empty result along one axis.
        try G.check("Slice", [x, ints([2, 1]), ints([100, 1]), ints([0, 2])])
        // Opset 1: attributes.
        try G.check("Slice", [x], ["starts": .ints([1]), "ends": .ints([-1]), "axes": .ints([1])], opset: 9)
    }

    func testGathersAddUpRepeatedIndices() throws {
        try G.check("Gather", [x, ints([2, 0, 2, -1])], ["axis": .int(1)])
        try G.check("Gather", [x, ints([1, 1, 0, 3], [2, 2])])
        try G.check("Gather", [x, ints([2, 2])], ["axis": .int(2)])
        try G.check("Gather", [x, Tensor(scalarInt64: 3)])
        try G.check("GatherElements", [G.random([3, 4], seed: 62), ints([0, 2, 2, 1, 0, 0], [3, 2])], ["axis": .int(1)])
        try G.check("GatherND", [x, ints([0, 1, 3, 4, 0, 1], [3, 2])])
        try G.check("GatherND", [G.random([2, 3, 4], seed: 63), ints([1, 2, 0, 0], [2, 1, 2])], ["batch_dims": .int(1)])
    }

    func testScattersSplitTheGradient() throws {
        let data = G.random([3, 4], seed: 64)
        let updates = G.random([2, 2], seed: 65)
        let idx = ints([1, 3, 0, 2], [2, 2])
        try G.check("ScatterElements", [data, idx, updates], ["axis": .int(1)])
        try G.check("ScatterElements", [data, idx, updates], ["axis": .int(1), "reduction": .string("add")], opset: 16)
        try G.check("ScatterND", [data, ints([2, 0], [2, 1]), G.random([2, 4], seed: 66)])
        try G.check("ScatterND", [data, ints([2, 2], [2, 1]), G.random([2, 4], seed: 67)], ["reduction": .string("add")], opset: 16)
    }

    func testTrilu() throws {
        let m = G.random([2, 3, 4], seed: 68)
        try G.check("Trilu", [m], opset: 14)
        try G.check("Trilu", [m, Tensor(scalarInt64: -1)], ["upper": .int(0)], opset: 14)
    }
}
