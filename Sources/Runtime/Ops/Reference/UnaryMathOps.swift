import Foundation

/// Element-wise math beyond the arithmetic ops: the trigonometric and hyperbolic functions and
/// their inverses on floating-point tensors (float16/bfloat16 computed in float32; inputs
/// outside the domain give NaN or ±inf, as in libm), and Shrink.
func registerUnaryMathOps(into r: OpRegistry) {
    r.register("Sin", since: 7) { inputs, ctx in [try mapFloat(inputs.required(0), ctx, { sin($0) }, { sin($0) })] }
    r.register("Cos", since: 7) { inputs, ctx in [try mapFloat(inputs.required(0), ctx, { cos($0) }, { cos($0) })] }
    r.register("Tan", since: 7) { inputs, ctx in [try mapFloat(inputs.required(0), ctx, { tan($0) }, { tan($0) })] }
    r.register("Asin", since: 7) { inputs, ctx in [try mapFloat(inputs.required(0), ctx, { asin($0) }, { asin($0) })] }
    r.register("Acos", since: 7) { inputs, ctx in [try mapFloat(inputs.required(0), ctx, { acos($0) }, { acos($0) })] }
    r.register("Atan", since: 7) { inputs, ctx in [try mapFloat(inputs.required(0), ctx, { atan($0) }, { atan($0) })] }
    r.register("Sinh", since: 9) { inputs, ctx in [try mapFloat(inputs.required(0), ctx, { sinh($0) }, { sinh($0) })] }
    r.register("Cosh", since: 9) { inputs, ctx in [try mapFloat(inputs.required(0), ctx, { cosh($0) }, { cosh($0) })] }
    r.register("Asinh", since: 9) { inputs, ctx in [try mapFloat(inputs.required(0), ctx, { asinh($0) }, { asinh($0) })] }
    r.register("Acosh", since: 9) { inputs, ctx in [try mapFloat(inputs.required(0), ctx, { acosh($0) }, { acosh($0) })] }
    r.register("Atanh", since: 9) { inputs, ctx in [try mapFloat(inputs.required(0), ctx, { atanh($0) }, { atanh($0) })] }

    r.register("Shrink", since: 9) { inputs, ctx in
        let x = try inputs.required(0)
        let lambd = Double(ctx.node.float("lambd", default: 0.5)), bias = Double(ctx.node.float("bias", default: 0))
        return [try viaFloat32([x]) { try $0[0].dtype.visit(Shrink(x: $0[0], lambd: lambd, bias: bias, ctx: ctx), op: "Shrink") }]
    }
    registerUnaryMathVJPs(into: r)
}

/// y = x + bias for x < −lambd, x − bias for x > lambd, else 0. Integer inputs compare and
/// shift in Double and convert back (saturating).
private struct Shrink: NumericVisitor {
    let x: Tensor, lambd: Double, bias: Double, ctx: KernelContext

    func floating<T: BinaryFloatingPoint & TensorElement>(_: T.Type) throws -> Tensor {
        let l = T(lambd), b = T(bias)
        return map(T.self) { $0 < -l ? $0 + b : $0 > l ? $0 - b : 0 }
    }
    func integer<T: FixedWidthInteger & TensorElement>(_: T.Type) throws -> Tensor {
        map(T.self) { v in
            let d = Double(v)
            return d < -lambd ? T(fromDouble: d + bias) : d > lambd ? T(fromDouble: d - bias) : 0
        }
    }
    @inline(__always)
    private func map<T: TensorElement>(_: T.Type, _ f: (T) -> T) -> Tensor {
        var y = ctx.allocate(x.shape, x.dtype, zeroed: false)
        let n = x.count
        x.withElements(T.self) { s in y.withMutableElements(T.self) { d in for i in 0..<n { d[i] = f(s[i]) } } }
        return y
    }
}

// MARK: gradients

/// Reverse-mode rules: each function's derivative (from x, or from y where that is cheaper),
/// infinite or NaN where the function's own derivative is (Asin at ±1, Acosh at 1, …).
private func registerUnaryMathVJPs(into r: OpRegistry) {
    r.registerVJP("Sin") { c in try c.pointwise({ x, _, g in g * cos(x) }, { x, _, g in g * cos(x) }) }
    r.registerVJP("Cos") { c in try c.pointwise({ x, _, g in -g * sin(x) }, { x, _, g in -g * sin(x) }) }
    r.registerVJP("Tan") { c in try c.pointwise({ _, y, g in g * (1 + y * y) }, { _, y, g in g * (1 + y * y) }) }
    r.registerVJP("Asin") { c in try c.pointwise({ x, _, g in g / (1 - x * x).squareRoot() }, { x, _, g in g / (1 - x * x).squareRoot() }) }
    r.registerVJP("Acos") { c in try c.pointwise({ x, _, g in -g / (1 - x * x).squareRoot() }, { x, _, g in -g / (1 - x * x).squareRoot() }) }
    r.registerVJP("Atan") { c in try c.pointwise({ x, _, g in g / (1 + x * x) }, { x, _, g in g / (1 + x * x) }) }
    r.registerVJP("Sinh") { c in try c.pointwise({ x, _, g in g * cosh(x) }, { x, _, g in g * cosh(x) }) }
    r.registerVJP("Cosh") { c in try c.pointwise({ x, _, g in g * sinh(x) }, { x, _, g in g * sinh(x) }) }
    r.registerVJP("Asinh") { c in try c.pointwise({ x, _, g in g / (x * x + 1).squareRoot() }, { x, _, g in g / (x * x + 1).squareRoot() }) }
    r.registerVJP("Acosh") { c in try c.pointwise({ x, _, g in g / (x * x - 1).squareRoot() }, { x, _, g in g / (x * x - 1).squareRoot() }) }
    r.registerVJP("Atanh") { c in try c.pointwise({ x, _, g in g / (1 - x * x) }, { x, _, g in g / (1 - x * x) }) }
    // Shrink passes the gradient outside [−lambd, lambd].
    r.registerVJP("Shrink") { c in
        let l = c.node.float("lambd", default: 0.5)
        return try c.pointwise({ x, _, g in x < -l || x > l ? g : 0 }, { x, _, g in x < -Double(l) || x > Double(l) ? g : 0 })
    }
}
