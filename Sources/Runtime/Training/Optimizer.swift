/// A first-order optimizer: per-parameter state, updated in place from gradients. State is
/// exposed as named tensors so that checkpoints can save and restore it exactly.
public protocol Optimizer {
    /// Steps taken so far.
    var step: Int { get }
    /// Applies one update to `params` from `grads` (same names, shapes and dtypes).
    mutating func update(_ params: inout [String: Tensor], gradients grads: [String: Tensor]) throws
    /// Everything needed to resume exactly: step count and per-parameter buffers.
    var state: [String: Tensor] { get }
    mutating func restore(_ state: [String: Tensor]) throws
}

enum OptimizerMath {
    static func check(_ p: Tensor, _ g: Tensor?, _ name: String) throws -> Tensor {
        guard let g else { throw RuntimeError.invalid("no gradient for parameter '\(name)'") }
        guard p.dtype == .float32, g.dtype == .float32, p.shape == g.shape else {
            throw RuntimeError.invalid("parameter '\(name)' is \(p.dtype)\(p.shape) but its gradient is \(g.dtype)\(g.shape); optimizers update float32 parameters")
        }
        return g.plain()
    }

    static func stepTensor(_ step: Int) -> Tensor { Tensor(scalarInt64: Int64(step)) }

    static func restoreStep(_ state: [String: Tensor]) throws -> Int {
        guard let s = state["step"], s.count == 1 else { throw RuntimeError.invalid("optimizer state lacks 'step'") }
        return s.ints[0]
    }
}
