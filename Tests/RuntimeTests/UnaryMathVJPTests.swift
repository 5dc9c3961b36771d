import XCTest
@testable import Runtime

private typealias G = GradCheck

/// Trigonometric, hyperbolic and Shrink gradients against finite differences, each on its
/// function's domain.
final class UnaryMathVJPTests: XCTestCase {
    func testTrigonometricAndHyperbolic() throws {
        let x = G.random([3, 4], seed: 81)
        let unit = G.random([3, 4], seed: 82, scale: 0.25)
        for op in ["Sin", "Cos", "Atan", "Sinh", "Cosh", "Asinh"] { try G.check(op, [x]) }
        for op in ["Tan", "Asin", "Acos", "Atanh"] { try G.check(op, [unit]) }
        try G.check("Acosh", [G.random([3, 4], seed: 83, scale: 0.3, offset: 2)])
        try G.check("Sin", [G.random([3, 4], seed: 84, dtype: .float32)])
    }

    func testShrink() throws {
        try G.check("Shrink", [G.random([3, 4], seed: 85)], ["lambd": .float(0.4), "bias": .float(0.3)])
    }
}
