/// The loops gradient rules are written with. Each computes in one floating type: float32
/// and float64 natively (specialised tight loops), float16 and bfloat16 through float32 and
/// narrowed back, as their forward kernels do.
protocol FloatComputation {
    /// Runs with every tensor of `ts` converted to `T`'s dtype.
    func compute<T: FloatMath>(_ ts: [Tensor], _: T.Type) throws -> Tensor
}

extension FloatComputation {
    /// Computes in `dtype`'s arithmetic type on `ts` converted to it; the result has `dtype`.
    func run(_ ts: [Tensor], as dtype: DType) throws -> Tensor {
        switch dtype {
        case .float32: return try compute(ts.map { $0.converted(to: .float32) }, Float.self)
        case .float64: return try compute(ts.map { $0.converted(to: .float64) }, Double.self)
        case .float16, .bfloat16: return try compute(ts.map { $0.converted(to: .float32) }, Float.self).converted(to: dtype)
        default: throw RuntimeError.dtype("gradients need a floating-point type, got \(dtype)")
        }
    }
}

/// The derivative of a unary pointwise op: the input gradient from the input x, the output y
/// and the output gradient g at one element.
protocol PointwiseGradient {
    func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T
}

/// One operand's gradient of a broadcasting binary op from both operands a, b and the output
/// gradient g at one element of the output.
protocol BroadcastGradient {
    func callAsFunction<T: FloatMath>(_ a: T, _ b: T, _ g: T) -> T
}

private struct PointwiseLoop<D: PointwiseGradient>: FloatComputation {
    let d: D
    func compute<T: FloatMath>(_ ts: [Tensor], _: T.Type) throws -> Tensor {
        let (x, y, g) = (ts[0], ts[1], ts[2])
        var out = Tensor(zeros: x.shape, dtype: T.dtype)
        let n = x.count
        x.withElements(T.self) { px in
            y.withElements(T.self) { py in
                g.withElements(T.self) { pg in
                    out.withMutableElements(T.self) { po in for i in 0..<n { po[i] = d(px[i], py[i], pg[i]) } }
                }
            }
        }
        return out
    }
}

private struct BroadcastLoop<D: BroadcastGradient>: FloatComputation {
    let d: D
    func compute<T: FloatMath>(_ ts: [Tensor], _: T.Type) throws -> Tensor {
        let (a, b, g) = (ts[0], ts[1], ts[2])
        let bc = try Broadcast([a.shape, b.shape, g.shape])
        guard bc.shape == g.shape else {
            throw RuntimeError.invalid("output gradient \(g.shape) does not have the broadcast shape \(bc.shape) of \(a.shape) and \(b.shape)")
        }
        var out = Tensor(zeros: g.shape, dtype: T.dtype)
        a.withElements(T.self) { pa in
            b.withElements(T.self) { pb in
                g.withElements(T.self) { pg in
                    out.withMutableElements(T.self) { po in broadcastLoop(bc, pa, pb, pg, po) { d($0, $1, $2) } }
                }
            }
        }
        return out
    }
}

extension VJPContext {
    /// Input 0's gradient of a unary pointwise op (nil when not needed or not floating).
    func pointwise<D: PointwiseGradient>(_ d: D) throws -> [Tensor?] {
        guard needs(0), let x = inputs[0], x.dtype.isFloatingPoint else { return [nil] }
        let y = outputs.first.flatMap { $0 } ?? x
        return [try PointwiseLoop(d: d).run([x, y, try outputGrad(0)], as: x.dtype)]
    }

    /// The gradient of operand `i` of a broadcasting binary op with operands a, b: `d(a, b, g)`
    /// at the output's shape (the engine sums it back to the operand's). nil when input `i`
    /// needs none or is not floating.
    func broadcast<D: BroadcastGradient>(_ i: Int, _ a: Tensor, _ b: Tensor, _ d: D) throws -> Tensor? {
        guard needs(i), let x = inputs[i], x.dtype.isFloatingPoint else { return nil }
        return try BroadcastLoop(d: d).run([a, b, try outputGrad(0)], as: x.dtype)
    }

    /// The output gradient viewed with input 0's shape, for ops that only relabel their input's
    /// elements (Identity, Reshape, Squeeze, …); nil when input 0 needs none.
    func passThrough() throws -> Tensor? {
        guard needs(0), let x = inputs[0] else { return nil }
        return try outputGrad(0).reshaped(x.shape)
    }
}

/// The permutation that undoes `perm` (a transpose's gradient is transposed by it).
func inversePermutation(_ perm: [Int]) -> [Int] {
    var inv = [Int](repeating: 0, count: perm.count)
    for (i, p) in perm.enumerated() { inv[p] = i }
    return inv
}

extension VJPContext {
    /// As `pointwise(_:)`, with the derivative written once per type for functions `FloatMath`
    /// lacks (trigonometry): `f32` serves float32 (and float16/bfloat16 through it), `f64` float64.
    @inline(__always)
    func pointwise(_ f32: (Float, Float, Float) -> Float, _ f64: (Double, Double, Double) -> Double) throws -> [Tensor?] {
        guard needs(0), let x = inputs[0], x.dtype.isFloatingPoint else { return [nil] }
        let y = outputs.first.flatMap { $0 } ?? x
        let g = try outputGrad(0)
        switch x.dtype {
        case .float64: return [typedPointwise(x, y, g.converted(to: .float64), f64)]
        case .float32: return [typedPointwise(x, y, g.converted(to: .float32), f32)]
        default:
            let wide = [x, y, g].map { $0.converted(to: .float32) }
            return [typedPointwise(wide[0], wide[1], wide[2], f32).converted(to: x.dtype)]
        }
    }
}

/// out[i] = f(x[i], y[i], g[i]) for tensors of element type `T`.
@inline(__always)
private func typedPointwise<T: TensorElement>(_ x: Tensor, _ y: Tensor, _ g: Tensor, _ f: (T, T, T) -> T) -> Tensor {
    var out = Tensor(zeros: x.shape, dtype: T.dtype)
    let n = x.count
    x.withElements(T.self) { px in
        y.withElements(T.self) { py in
            g.withElements(T.self) { pg in
                out.withMutableElements(T.self) { po in for i in 0..<n { po[i] = f(px[i], py[i], pg[i]) } }
            }
        }
    }
    return out
}
