import Foundation

/// Arithmetic, math, comparison and logic ops applied element by element with numpy
/// broadcasting, plus Where and Cast.
func registerElementwiseOps(into r: OpRegistry) {
    r.register("Add") { inputs, ctx in [try arithmetic(AddOp.self, inputs, ctx)] }
    r.register("Sub") { inputs, ctx in [try arithmetic(SubOp.self, inputs, ctx)] }
    r.register("Mul") { inputs, ctx in [try arithmetic(MulOp.self, inputs, ctx)] }
    r.register("Div") { inputs, ctx in [try arithmetic(DivOp.self, inputs, ctx)] }
    r.register("Mod") { inputs, ctx in
        let fmod = ctx.node.int("fmod", default: 0)
        guard fmod == 0 || fmod == 1 else { throw RuntimeError.invalid("Mod: fmod must be 0 or 1, got \(fmod)") }
        return [fmod == 1 ? try arithmetic(FmodOp.self, inputs, ctx) : try arithmetic(FloorModOp.self, inputs, ctx)]
    }
    r.register("Pow") { inputs, ctx in
        let x = try inputs.required(0), y = try inputs.required(1)
        return [try viaFloat32([x, y]) { try power($0[0], $0[1], ctx) }]
    }
    r.register("BitShift") { inputs, ctx in [try bitShift(inputs, ctx)] }

    r.register("Sum") { inputs, ctx in [try variadic(AddOp.self, inputs, ctx, mean: false)] }
    r.register("Mean") { inputs, ctx in [try variadic(AddOp.self, inputs, ctx, mean: true)] }
    r.register("Max") { inputs, ctx in [try variadic(MaxOp.self, inputs, ctx, mean: false)] }
    r.register("Min") { inputs, ctx in [try variadic(MinOp.self, inputs, ctx, mean: false)] }

    r.register("Abs") { inputs, ctx in [try unary(AbsOp.self, inputs, ctx)] }
    r.register("Neg") { inputs, ctx in [try unary(NegOp.self, inputs, ctx)] }
    r.register("Sign") { inputs, ctx in [try unary(SignOp.self, inputs, ctx)] }
    r.register("Sqrt") { inputs, ctx in [try mapFloat(inputs.required(0), ctx, { $0.squareRoot() }, { $0.squareRoot() })] }
    r.register("Exp") { inputs, ctx in [try mapFloat(inputs.required(0), ctx, { Float.exponential($0) }, { Double.exponential($0) })] }
    r.register("Log") { inputs, ctx in [try mapFloat(inputs.required(0), ctx, { Float.logarithm($0) }, { Double.logarithm($0) })] }
    r.register("Erf") { inputs, ctx in [try mapFloat(inputs.required(0), ctx, { Float.errorFunction($0) }, { Double.errorFunction($0) })] }
    r.register("Reciprocal") { inputs, ctx in [try mapFloat(inputs.required(0), ctx, { 1 / $0 }, { 1 / $0 })] }
    r.register("Floor") { inputs, ctx in [try mapFloat(inputs.required(0), ctx, { $0.rounded(.down) }, { $0.rounded(.down) })] }
    r.register("Ceil") { inputs, ctx in [try mapFloat(inputs.required(0), ctx, { $0.rounded(.up) }, { $0.rounded(.up) })] }
    // ONNX Round is round-half-to-even (like numpy.round).
    r.register("Round") { inputs, ctx in
        [try mapFloat(inputs.required(0), ctx, { $0.rounded(.toNearestOrEven) }, { $0.rounded(.toNearestOrEven) })]
    }
    r.register("IsNaN") { inputs, ctx in [try testFloat(inputs.required(0), ctx, { $0.isNaN }, { $0.isNaN })] }
    r.register("IsInf") { inputs, ctx in
        let neg = ctx.node.int("detect_negative", default: 1) != 0
        let pos = ctx.node.int("detect_positive", default: 1) != 0
        return [try testFloat(inputs.required(0), ctx,
                              { $0.isInfinite && ($0 > 0 ? pos : neg) }, { $0.isInfinite && ($0 > 0 ? pos : neg) })]
    }

    r.register("Equal") { inputs, ctx in [try comparison(EqualOp.self, inputs, ctx)] }
    r.register("Less") { inputs, ctx in [try comparison(LessOp.self, inputs, ctx)] }
    r.register("Greater") { inputs, ctx in [try comparison(GreaterOp.self, inputs, ctx)] }
    r.register("LessOrEqual") { inputs, ctx in [try comparison(LessOrEqualOp.self, inputs, ctx)] }
    r.register("GreaterOrEqual") { inputs, ctx in [try comparison(GreaterOrEqualOp.self, inputs, ctx)] }

    r.register("Not") { inputs, ctx in
        let x = try boolInput(inputs, 0, ctx)
        var y = ctx.allocate(x.shape, .bool, zeroed: false)
        let n = x.count
        x.withElements(UInt8.self) { s in y.withMutableElements(UInt8.self) { d in for i in 0..<n { d[i] = s[i] == 0 ? 1 : 0 } } }
        return [y]
    }
    r.register("And") { inputs, ctx in [try logic(inputs, ctx) { $0 != 0 && $1 != 0 }] }
    r.register("Or") { inputs, ctx in [try logic(inputs, ctx) { $0 != 0 || $1 != 0 }] }
    r.register("Xor") { inputs, ctx in [try logic(inputs, ctx) { ($0 != 0) != ($1 != 0) }] }

    r.register("Where") { inputs, ctx in [try whereOp(inputs, ctx)] }
    r.register("Cast") { inputs, ctx in
        let x = try inputs.required(0)
        guard let code = ctx.node.int("to") else { throw RuntimeError.invalid("Cast needs the 'to' attribute") }
        guard let to = DType(rawValue: code) else {
            throw RuntimeError.dtype("Cast to \(DType.onnxName(code)) is not supported")
        }
        return [try castTensor(x, to: to, ctx)]
    }
    // Opset 15: the target type is that of the second input (whose values are not read).
    r.register("CastLike") { inputs, ctx in [try castTensor(inputs.required(0), to: inputs.required(1).dtype, ctx)] }
    registerElementwiseVJPs(into: r)
}

private func checkSameType(_ ts: [Tensor], _ ctx: KernelContext) throws {
    guard let first = ts.first, ts.allSatisfy({ $0.dtype == first.dtype }) else {
        throw RuntimeError.dtype("\(ctx.node.opType) needs inputs of one element type, got \(ts.map(\.dtype.description).joined(separator: ", "))")
    }
}

// MARK: binary arithmetic

/// A binary operation with a floating and an integer definition.
private protocol BinaryArithmetic {
    static func floating<T: BinaryFloatingPoint>(_ a: T, _ b: T) -> T
    static func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T
}

// Integer arithmetic wraps (two's complement, like numpy and onnxruntime).
private enum AddOp: BinaryArithmetic {
    @inline(__always) static func floating<T: BinaryFloatingPoint>(_ a: T, _ b: T) -> T { a + b }
    @inline(__always) static func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a &+ b }
}
private enum SubOp: BinaryArithmetic {
    @inline(__always) static func floating<T: BinaryFloatingPoint>(_ a: T, _ b: T) -> T { a - b }
    @inline(__always) static func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a &- b }
}
private enum MulOp: BinaryArithmetic {
    @inline(__always) static func floating<T: BinaryFloatingPoint>(_ a: T, _ b: T) -> T { a * b }
    @inline(__always) static func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a &* b }
}
/// Integer division truncates toward zero (C semantics); division by zero gives 0 rather
/// than trapping.
private enum DivOp: BinaryArithmetic {
    @inline(__always) static func floating<T: BinaryFloatingPoint>(_ a: T, _ b: T) -> T { a / b }
    @inline(__always) static func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T {
        b == 0 ? 0 : a.dividedReportingOverflow(by: b).partialValue
    }
}
/// fmod = 1: C fmod, the remainder takes the dividend's sign.
private enum FmodOp: BinaryArithmetic {
    @inline(__always) static func floating<T: BinaryFloatingPoint>(_ a: T, _ b: T) -> T { a.truncatingRemainder(dividingBy: b) }
    @inline(__always) static func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T {
        b == 0 ? 0 : a.remainderReportingOverflow(dividingBy: b).partialValue
    }
}
/// fmod = 0: Python/numpy mod, the remainder takes the divisor's sign.
private enum FloorModOp: BinaryArithmetic {
    @inline(__always) static func floating<T: BinaryFloatingPoint>(_ a: T, _ b: T) -> T {
        let r = a.truncatingRemainder(dividingBy: b)
        return r != 0 && (r < 0) != (b < 0) ? r + b : r
    }
    @inline(__always) static func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T {
        if b == 0 { return 0 }
        let r = a.remainderReportingOverflow(dividingBy: b).partialValue
        return r != 0 && (r < 0) != (b < 0) ? r &+ b : r
    }
}
/// NaN-propagating maximum/minimum (numpy.maximum/minimum).
private enum MaxOp: BinaryArithmetic {
    @inline(__always) static func floating<T: BinaryFloatingPoint>(_ a: T, _ b: T) -> T { a > b || a.isNaN ? a : b }
    @inline(__always) static func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a > b ? a : b }
}
private enum MinOp: BinaryArithmetic {
    @inline(__always) static func floating<T: BinaryFloatingPoint>(_ a: T, _ b: T) -> T { a < b || a.isNaN ? a : b }
    @inline(__always) static func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a < b ? a : b }
}

private struct Arithmetic<Op: BinaryArithmetic>: NumericVisitor {
    let a: Tensor, b: Tensor, bc: Broadcast, ctx: KernelContext
    func floating<T: BinaryFloatingPoint & TensorElement>(_: T.Type) throws -> Tensor {
        var out = ctx.allocate(bc.shape, T.dtype, zeroed: false)
        broadcastLoop(bc, a, b, into: &out, T.self, T.self, T.self) { Op.floating($0, $1) }
        return out
    }
    func integer<T: FixedWidthInteger & TensorElement>(_: T.Type) throws -> Tensor {
        var out = ctx.allocate(bc.shape, T.dtype, zeroed: false)
        broadcastLoop(bc, a, b, into: &out, T.self, T.self, T.self) { Op.integer($0, $1) }
        return out
    }
}

private func arithmetic<Op: BinaryArithmetic>(_: Op.Type, _ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let a = try inputs.required(0), b = try inputs.required(1)
    try checkSameType([a, b], ctx)
    return try viaFloat32([a, b]) { t in
        let bc = try Broadcast([t[0].shape, t[1].shape])
        return try t[0].dtype.visit(Arithmetic<Op>(a: t[0], b: t[1], bc: bc, ctx: ctx), op: ctx.node.opType)
    }
}

/// Sum/Mean/Max/Min of any number of inputs, all broadcast to one shape: the first input is
/// broadcast into the output, the others are folded into it in place.
private struct Variadic<Op: BinaryArithmetic>: NumericVisitor {
    let ts: [Tensor], plans: [Broadcast], shape: [Int], mean: Bool, ctx: KernelContext

    private func run<T: TensorElement>(_: T.Type, _ f: (T, T) -> T, _ divide: (T) -> T) -> Tensor {
        var out = ctx.allocate(shape, T.dtype, zeroed: false)
        let n = out.count
        out.withMutableElements(T.self) { po in
            ts[0].withElements(T.self) { p in broadcastLoop(plans[0], UnsafePointer(po), p, po) { _, y in y } }
            for (t, bc) in zip(ts.dropFirst(), plans.dropFirst()) {
                t.withElements(T.self) { p in broadcastLoop(bc, UnsafePointer(po), p, po, f) }
            }
            if mean { for i in 0..<n { po[i] = divide(po[i]) } }
        }
        return out
    }
    func floating<T: BinaryFloatingPoint & TensorElement>(_: T.Type) throws -> Tensor {
        let k = T(ts.count)
        return run(T.self, { Op.floating($0, $1) }, { $0 / k })
    }
    func integer<T: FixedWidthInteger & TensorElement>(_: T.Type) throws -> Tensor {
        let k = T(ts.count)
        return run(T.self, { Op.integer($0, $1) }, { $0 / k })
    }
}

private func variadic<Op: BinaryArithmetic>(_: Op.Type, _ inputs: [Tensor?], _ ctx: KernelContext, mean: Bool) throws -> Tensor {
    let ts = inputs.compactMap { $0 }
    guard !ts.isEmpty else { throw RuntimeError.invalid("\(ctx.node.opType) needs at least one input") }
    try checkSameType(ts, ctx)
    return try viaFloat32(ts) { ts in
        let shape = try Broadcast.shape(ts.map(\.shape))
        let plans = try ts.map { try Broadcast([shape, $0.shape]) }
        let v = Variadic<Op>(ts: ts, plans: plans, shape: shape, mean: mean, ctx: ctx)
        return try ts[0].dtype.visit(v, op: ctx.node.opType)
    }
}

// MARK: Pow

/// Pow: the output has the base's type; the exponent may be of any numeric type.
private func power(_ x: Tensor, _ y: Tensor, _ ctx: KernelContext) throws -> Tensor {
    let bc = try Broadcast([x.shape, y.shape])
    if x.dtype.isInteger && y.dtype.isFloatingPoint {
        // numpy semantics: compute in floating point, cast back to the base type.
        let r = try power(x.converted(to: .float64), y.converted(to: .float64), ctx)
        return try castTensor(r, to: x.dtype, ctx)
    }
    let e = y.dtype == x.dtype ? y : y.converted(to: x.dtype)
    var out = ctx.allocate(bc.shape, x.dtype, zeroed: false)
    switch x.dtype {
    case .float32: broadcastLoop(bc, x, e, into: &out, Float.self, Float.self, Float.self) { Float.power($0, $1) }
    case .float64: broadcastLoop(bc, x, e, into: &out, Double.self, Double.self, Double.self) { Double.power($0, $1) }
    case .float16:
        broadcastLoop(bc, x, e, into: &out, Float16.self, Float16.self, Float16.self) { Float16(Float.power(Float($0), Float($1))) }
    case .int8: broadcastLoop(bc, x, e, into: &out, Int8.self, Int8.self, Int8.self, integerPower)
    case .int16: broadcastLoop(bc, x, e, into: &out, Int16.self, Int16.self, Int16.self, integerPower)
    case .int32: broadcastLoop(bc, x, e, into: &out, Int32.self, Int32.self, Int32.self, integerPower)
    case .int64: broadcastLoop(bc, x, e, into: &out, Int64.self, Int64.self, Int64.self, integerPower)
    case .uint8: broadcastLoop(bc, x, e, into: &out, UInt8.self, UInt8.self, UInt8.self, integerPower)
    case .uint16: broadcastLoop(bc, x, e, into: &out, UInt16.self, UInt16.self, UInt16.self, integerPower)
    case .uint32: broadcastLoop(bc, x, e, into: &out, UInt32.self, UInt32.self, UInt32.self, integerPower)
    case .uint64: broadcastLoop(bc, x, e, into: &out, UInt64.self, UInt64.self, UInt64.self, integerPower)
    case .bool, .string, .bfloat16: throw RuntimeError.dtype("Pow does not support base type \(x.dtype)")
    }
    return out
}

/// Exact integer power by squaring (wrapping on overflow). Negative exponents give the
/// truncated reciprocal: 1 for base 1, ±1 for base -1, otherwise 0.
@inline(__always)
private func integerPower<T: FixedWidthInteger>(_ base: T, _ exponent: T) -> T {
    if exponent < 0 {
        if base == 1 { return 1 }
        if T.isSigned && base == 0 &- 1 { return exponent & 1 == 0 ? 1 : base }
        return 0
    }
    var r: T = 1, b = base, e = exponent
    while e > 0 {
        if e & 1 == 1 { r = r &* b }
        b = b &* b
        e >>= 1
    }
    return r
}

// MARK: BitShift

private func bitShift(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let x = try inputs.required(0), y = try inputs.required(1)
    try checkSameType([x, y], ctx)
    let dir = ctx.node.string("direction", default: "")
    guard dir == "LEFT" || dir == "RIGHT" else {
        throw RuntimeError.invalid("BitShift: direction must be \"LEFT\" or \"RIGHT\", got \"\(dir)\"")
    }
    let left = dir == "LEFT"
    let bc = try Broadcast([x.shape, y.shape])
    var out = ctx.allocate(bc.shape, x.dtype, zeroed: false)
    // Shifts by the bit width or more give 0 (Swift's smart shifts), not C's undefined result.
    func run<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) {
        if left { broadcastLoop(bc, x, y, into: &out, T.self, T.self, T.self) { $0 << $1 } }
        else { broadcastLoop(bc, x, y, into: &out, T.self, T.self, T.self) { $0 >> $1 } }
    }
    switch x.dtype {
    case .uint8: run(UInt8.self)
    case .uint16: run(UInt16.self)
    case .uint32: run(UInt32.self)
    case .uint64: run(UInt64.self)
    default: throw RuntimeError.dtype("BitShift needs unsigned integer inputs, got \(x.dtype)")
    }
    return out
}

// MARK: unary

private protocol UnaryNumeric {
    static func floating<T: BinaryFloatingPoint>(_ x: T) -> T
    static func integer<T: FixedWidthInteger>(_ x: T) -> T
}
private enum AbsOp: UnaryNumeric {
    @inline(__always) static func floating<T: BinaryFloatingPoint>(_ x: T) -> T { x.magnitude }
    @inline(__always) static func integer<T: FixedWidthInteger>(_ x: T) -> T { x < 0 ? 0 &- x : x }
}
private enum NegOp: UnaryNumeric {
    @inline(__always) static func floating<T: BinaryFloatingPoint>(_ x: T) -> T { -x }
    @inline(__always) static func integer<T: FixedWidthInteger>(_ x: T) -> T { 0 &- x }
}
/// -1, 0 or 1; NaN stays NaN.
private enum SignOp: UnaryNumeric {
    @inline(__always) static func floating<T: BinaryFloatingPoint>(_ x: T) -> T { x > 0 ? 1 : (x < 0 ? -1 : x) }
    @inline(__always) static func integer<T: FixedWidthInteger>(_ x: T) -> T { x > 0 ? 1 : (x < 0 ? 0 &- 1 : 0) }
}

private struct UnaryMap<Op: UnaryNumeric>: NumericVisitor {
    let x: Tensor, ctx: KernelContext
    private func run<T: TensorElement>(_: T.Type, _ f: (T) -> T) -> Tensor {
        var y = ctx.allocate(x.shape, T.dtype, zeroed: false)
        let n = x.count
        x.withElements(T.self) { s in y.withMutableElements(T.self) { d in for i in 0..<n { d[i] = f(s[i]) } } }
        return y
    }
    func floating<T: BinaryFloatingPoint & TensorElement>(_: T.Type) throws -> Tensor { run(T.self) { Op.floating($0) } }
    func integer<T: FixedWidthInteger & TensorElement>(_: T.Type) throws -> Tensor { run(T.self) { Op.integer($0) } }
}

private func unary<Op: UnaryNumeric>(_: Op.Type, _ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let x = try inputs.required(0)
    return try viaFloat32([x]) { try $0[0].dtype.visit(UnaryMap<Op>(x: $0[0], ctx: ctx), op: ctx.node.opType) }
}

// MARK: comparison and logic

private protocol Comparison {
    static func compare<T: Comparable>(_ a: T, _ b: T) -> Bool
}
private enum EqualOp: Comparison { @inline(__always) static func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a == b } }
private enum LessOp: Comparison { @inline(__always) static func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a < b } }
private enum GreaterOp: Comparison { @inline(__always) static func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a > b } }
private enum LessOrEqualOp: Comparison { @inline(__always) static func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a <= b } }
private enum GreaterOrEqualOp: Comparison { @inline(__always) static func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a >= b } }

private struct Compare<Op: Comparison>: NumericVisitor {
    let a: Tensor, b: Tensor, bc: Broadcast, ctx: KernelContext
    func run<T: Comparable>(_: T.Type) -> Tensor {
        var out = ctx.allocate(bc.shape, .bool, zeroed: false)
        broadcastLoop(bc, a, b, into: &out, T.self, T.self, Bool.self) { Op.compare($0, $1) }
        return out
    }
    func floating<T: BinaryFloatingPoint & TensorElement>(_: T.Type) throws -> Tensor { run(T.self) }
    func integer<T: FixedWidthInteger & TensorElement>(_: T.Type) throws -> Tensor { run(T.self) }
}

private func comparison<Op: Comparison>(_: Op.Type, _ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let a = try inputs.required(0), b = try inputs.required(1)
    try checkSameType([a, b], ctx)
    return try viaFloat32([a, b]) { t in
        let v = Compare<Op>(a: t[0], b: t[1], bc: try Broadcast([t[0].shape, t[1].shape]), ctx: ctx)
        return t[0].dtype == .bool ? v.run(UInt8.self) : try t[0].dtype.visit(v, op: ctx.node.opType)
    }
}

private func boolInput(_ inputs: [Tensor?], _ i: Int, _ ctx: KernelContext) throws -> Tensor {
    let t = try inputs.required(i)
    guard t.dtype == .bool else { throw RuntimeError.dtype("\(ctx.node.opType) needs bool inputs, input #\(i) is \(t.dtype)") }
    return t
}

@inline(__always)
private func logic(_ inputs: [Tensor?], _ ctx: KernelContext, _ f: (UInt8, UInt8) -> Bool) throws -> Tensor {
    let a = try boolInput(inputs, 0, ctx), b = try boolInput(inputs, 1, ctx)
    let bc = try Broadcast([a.shape, b.shape])
    var out = ctx.allocate(bc.shape, .bool, zeroed: false)
    broadcastLoop(bc, a, b, into: &out, UInt8.self, UInt8.self, Bool.self, f)
    return out
}

// MARK: Where

/// Element selection needs only the element size, so it handles every type (bool,
/// bfloat16, …) by moving same-sized integers.
private func whereOp(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let c = try boolInput(inputs, 0, ctx), x = try inputs.required(1), y = try inputs.required(2)
    guard x.dtype == y.dtype else { throw RuntimeError.dtype("Where: X and Y must have one type, got \(x.dtype) and \(y.dtype)") }
    let bc = try Broadcast([c.shape, x.shape, y.shape])
    var out = ctx.allocate(bc.shape, x.dtype, zeroed: false)
    func run<T>(_: T.Type) {
        c.withElements(UInt8.self) { pc in
            x.withElements(T.self) { px in
                y.withElements(T.self) { py in
                    out.withMutableElements(T.self) { po in broadcastLoop(bc, pc, px, py, po) { $0 != 0 ? $1 : $2 } }
                }
            }
        }
    }
    switch x.dtype.byteSize {
    case 1: run(UInt8.self)
    case 2: run(UInt16.self)
    case 4: run(UInt32.self)
    case 8: run(UInt64.self)
    default: throw RuntimeError.dtype("Where does not support element type \(x.dtype)")
    }
    return out
}

// MARK: Cast

/// ONNX Cast between numeric types and bool, element by element in the source and target
/// types: float → float rounds to nearest even, integer → integer wraps like C, float →
/// integer truncates toward zero and saturates (NaN → 0) instead of C's undefined behaviour,
/// anything → bool is `!= 0`. bfloat16 converts through float32, as ONNX defines it.
func castTensor(_ x: Tensor, to: DType, _ ctx: KernelContext) throws -> Tensor {
    if x.dtype == to { return x }
    guard x.dtype != .string && to != .string else {
        throw RuntimeError.dtype("Cast between string and numeric types is not supported (\(x.dtype) → \(to))")
    }
    if x.dtype == .bfloat16 {
        let wide = convertElements(x, ctx, .float32, UInt16.self, Float.self) { Float(bitPattern: UInt32($0) << 16) }
        return try castTensor(wide, to: to, ctx)
    }
    if to == .bfloat16 {
        let wide = try castTensor(x, to: .float32, ctx)
        return convertElements(wide, ctx, .bfloat16, Float.self, UInt16.self) { Tensor.bfloat16Bits($0) }
    }
    // bool elements are bytes 0/1: as a source they are the integers 0 and 1.
    return try (x.dtype == .bool ? DType.uint8 : x.dtype).visit(CastSource(x: x, to: to, ctx: ctx), op: "Cast")
}

@inline(__always)
private func convertElements<S, D>(_ x: Tensor, _ ctx: KernelContext, _ to: DType, _: S.Type, _: D.Type,
                                   _ f: (S) -> D) -> Tensor {
    var y = ctx.allocate(x.shape, to, zeroed: false)
    let n = x.count
    x.withElements(S.self) { s in y.withMutableElements(D.self) { d in for i in 0..<n { d[i] = f(s[i]) } } }
    return y
}

/// Picks the source type; `CastFromFloat`/`CastFromInteger` then pick the target type.
private struct CastSource: NumericVisitor {
    let x: Tensor, to: DType, ctx: KernelContext
    func floating<S: BinaryFloatingPoint & TensorElement>(_: S.Type) throws -> Tensor {
        if to == .bool { return convertElements(x, ctx, .bool, S.self, Bool.self) { $0 != 0 } }
        return try to.visit(CastFromFloat<S>(x: x, ctx: ctx), op: "Cast")
    }
    func integer<S: FixedWidthInteger & TensorElement>(_: S.Type) throws -> Tensor {
        if to == .bool { return convertElements(x, ctx, .bool, S.self, Bool.self) { $0 != 0 } }
        return try to.visit(CastFromInteger<S>(x: x, ctx: ctx), op: "Cast")
    }
}

private struct CastFromFloat<S: BinaryFloatingPoint & TensorElement>: NumericVisitor {
    let x: Tensor, ctx: KernelContext
    func floating<D: BinaryFloatingPoint & TensorElement>(_: D.Type) throws -> Tensor {
        convertElements(x, ctx, D.dtype, S.self, D.self) { D($0) }
    }
    func integer<D: FixedWidthInteger & TensorElement>(_: D.Type) throws -> Tensor {
        // Through Double and the concrete Int64/UInt64 conversions: the generic
        // FixedWidthInteger(BinaryFloatingPoint) initialiser is several times slower. Double(D.max)
        // may round up (2^63 for Int64): values at or above it saturate.
        let lo = Double(D.min), hi = Double(D.max)
        return convertElements(x, ctx, D.dtype, S.self, D.self) { s in
            let v = s.doubleValue
            if v.isNaN { return 0 }
            if v <= lo { return D.min }
            if v >= hi { return D.max }
            return v < 0x1p63 ? D(truncatingIfNeeded: Int64(v)) : D(truncatingIfNeeded: UInt64(v))
        }
    }
}

private struct CastFromInteger<S: FixedWidthInteger & TensorElement>: NumericVisitor {
    let x: Tensor, ctx: KernelContext
    func floating<D: BinaryFloatingPoint & TensorElement>(_: D.Type) throws -> Tensor {
        convertElements(x, ctx, D.dtype, S.self, D.self) { D($0) }
    }
    func integer<D: FixedWidthInteger & TensorElement>(_: D.Type) throws -> Tensor {
        convertElements(x, ctx, D.dtype, S.self, D.self) { D(truncatingIfNeeded: $0) }
    }
}

// MARK: gradients

/// Reverse-mode rules. Integer operands get no gradient; comparisons, logic, rounding, Sign
/// and BitShift have none by nature (zero almost everywhere, or integer-valued).
private func registerElementwiseVJPs(into r: OpRegistry) {
    r.markNonDifferentiable(["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Xor",
                             "IsNaN", "IsInf"], because: "its output is boolean")
    r.markNonDifferentiable(["Floor", "Ceil", "Round", "Sign"], because: "it is piecewise constant (zero gradient almost everywhere)")
    r.markNonDifferentiable(["BitShift"], because: "its operands are integers")

    r.registerVJP("Add") { c in [try c.floatGrad(0), try c.floatGrad(1)] }
    r.registerVJP("Sub") { c in
        let a = try c.inputs.required(0), b = try c.inputs.required(1)
        return [try c.floatGrad(0), try c.broadcast(1, a, b, NegatedGradient())]
    }
    r.registerVJP("Mul") { c in
        let a = try c.inputs.required(0), b = try c.inputs.required(1)
        return [try c.broadcast(0, a, b, TimesOther()), try c.broadcast(1, b, a, TimesOther())]
    }
    r.registerVJP("Div") { c in
        let a = try c.inputs.required(0), b = try c.inputs.required(1)
        return [try c.broadcast(0, a, b, DividendGradient()), try c.broadcast(1, a, b, DivisorGradient())]
    }
    // a mod b = a − q·b with q = trunc(a/b) (fmod = 1) or floor(a/b), constant between its jumps.
    r.registerVJP("Mod") { c in
        let a = try c.inputs.required(0), b = try c.inputs.required(1)
        let truncated = c.node.int("fmod", default: 0) == 1
        return [try c.floatGrad(0),
                truncated ? try c.broadcast(1, a, b, TruncatedModDivisorGradient()) : try c.broadcast(1, a, b, FlooredModDivisorGradient())]
    }
    r.registerVJP("Pow") { c in
        let x = try c.inputs.required(0), y = try c.inputs.required(1)
        guard x.dtype.isFloatingPoint else { return [nil, nil] }
        // An integer exponent has no gradient, but the base's uses its value.
        let e = y.dtype == x.dtype ? y : y.converted(to: x.dtype)
        return [try c.broadcast(0, x, e, BaseGradient()), try c.broadcast(1, x, y, ExponentGradient())]
    }

    r.registerVJP("Sqrt") { c in try c.pointwise(SqrtGradient()) }
    r.registerVJP("Exp") { c in try c.pointwise(ExpGradient()) }
    r.registerVJP("Log") { c in try c.pointwise(LogGradient()) }
    r.registerVJP("Neg") { c in try c.pointwise(NegGradient()) }
    r.registerVJP("Abs") { c in try c.pointwise(AbsGradient()) }
    r.registerVJP("Reciprocal") { c in try c.pointwise(ReciprocalGradient()) }
    r.registerVJP("Erf") { c in try c.pointwise(ErfGradient()) }

    r.registerVJP("Sum") { c in try c.inputs.indices.map { try c.floatGrad($0) } }
    r.registerVJP("Mean") { c in
        let n = Double(c.inputs.compactMap { $0 }.count)
        return try c.inputs.indices.map { i in
            guard let g = try c.floatGrad(i) else { return nil }
            return try ScaledGradient(factor: 1 / n).run([g], as: g.dtype)
        }
    }
    r.registerVJP("Max") { c in try extremumGradients(c) }
    r.registerVJP("Min") { c in try extremumGradients(c) }

    r.registerVJP("Where") { c in
        let cond = try c.inputs.required(0)
        return [nil, try c.needs(1) ? whereGradient(c, cond, taken: true, input: 1) : nil,
                try c.needs(2) ? whereGradient(c, cond, taken: false, input: 2) : nil]
    }
    // Float ↔ float casts pass the gradient back in the source type; other casts have none.
    r.registerVJP("Cast") { c in [try castBack(c)] }
    r.registerVJP("CastLike") { c in [try castBack(c), nil] }
}

extension VJPContext {
    /// The output gradient, unchanged (at the output shape), for floating input `i`.
    fileprivate func floatGrad(_ i: Int) throws -> Tensor? {
        guard needs(i), let x = inputs[i], x.dtype.isFloatingPoint else { return nil }
        return try outputGrad(0)
    }
}

private struct NegatedGradient: BroadcastGradient { func callAsFunction<T: FloatMath>(_ a: T, _ b: T, _ g: T) -> T { -g } }
/// d(a·b)/da = b (called with the operands swapped for b).
private struct TimesOther: BroadcastGradient { func callAsFunction<T: FloatMath>(_ a: T, _ b: T, _ g: T) -> T { g * b } }
private struct DividendGradient: BroadcastGradient { func callAsFunction<T: FloatMath>(_ a: T, _ b: T, _ g: T) -> T { g / b } }
private struct DivisorGradient: BroadcastGradient { func callAsFunction<T: FloatMath>(_ a: T, _ b: T, _ g: T) -> T { -g * a / (b * b) } }
private struct TruncatedModDivisorGradient: BroadcastGradient {
    func callAsFunction<T: FloatMath>(_ a: T, _ b: T, _ g: T) -> T { -g * (a / b).rounded(.towardZero) }
}
private struct FlooredModDivisorGradient: BroadcastGradient {
    func callAsFunction<T: FloatMath>(_ a: T, _ b: T, _ g: T) -> T { -g * (a / b).rounded(.down) }
}
private struct BaseGradient: BroadcastGradient {
    func callAsFunction<T: FloatMath>(_ a: T, _ b: T, _ g: T) -> T { g * b * T.power(a, b - 1) }
}
/// d(a^b)/db = a^b·log a, taken as 0 where a ≤ 0 (log undefined; a^b is then constant in b or not real).
private struct ExponentGradient: BroadcastGradient {
    func callAsFunction<T: FloatMath>(_ a: T, _ b: T, _ g: T) -> T { a > 0 ? g * T.power(a, b) * T.logarithm(a) : 0 }
}

private struct SqrtGradient: PointwiseGradient { func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T { g / (2 * y) } }
private struct ExpGradient: PointwiseGradient { func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T { g * y } }
private struct LogGradient: PointwiseGradient { func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T { g / x } }
private struct NegGradient: PointwiseGradient { func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T { -g } }
/// Subgradient 0 at x = 0.
private struct AbsGradient: PointwiseGradient {
    func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T { x > 0 ? g : (x < 0 ? -g : 0) }
}
private struct ReciprocalGradient: PointwiseGradient { func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T { -g * y * y } }
/// erf'(x) = 2/√π · e^(−x²).
private struct ErfGradient: PointwiseGradient {
    func callAsFunction<T: FloatMath>(_ x: T, _ y: T, _ g: T) -> T { g * T(1.12837916709551257390) * T.exponential(-x * x) }
}

/// g · factor.
private struct ScaledGradient: FloatComputation {
    let factor: Double
    func compute<T: FloatMath>(_ ts: [Tensor], _: T.Type) throws -> Tensor {
        var out = ts[0]
        let f = T(factor)
        out.withUnsafeMutableBufferPointer(as: T.self) { p in for i in p.indices { p[i] *= f } }
        return out
    }
}

/// Max/Min: each output element's gradient goes to the first input (in input order) that
/// attains it; tied inputs after it get none. NaN outputs go to the first NaN input.
private func extremumGradients(_ c: VJPContext) throws -> [Tensor?] {
    let xs = try c.inputs.indices.map { try c.inputs.required($0) }
    let y = try c.forwardOutput(0)
    let g = try c.outputGrad(0)
    return try xs.indices.map { k in
        guard c.needs(k), xs[k].dtype.isFloatingPoint else { return nil }
        return try ExtremumGradient(k: k).run([y, g] + xs[...k], as: xs[k].dtype)
    }
}

/// ts = [y, g, x0, …, xk]: g where xk attains y and no earlier input does.
private struct ExtremumGradient: FloatComputation {
    let k: Int
    func compute<T: FloatMath>(_ ts: [Tensor], _: T.Type) throws -> Tensor {
        let y = ts[0], g = ts[1], xs = Array(ts[2...])
        let bc = Broadcast(iterating: y.shape, strides: xs.map { Broadcast.strides(of: $0.shape, in: y.shape) })
        var out = Tensor(zeros: y.shape, dtype: T.dtype)
        let n = bc.rowLength
        let rowStrides = xs.indices.map { bc.rowStride($0) }
        let px = xs.map { UnsafePointer($0.storage.data.assumingMemoryBound(to: T.self)) }
        @inline(__always) func same(_ a: T, _ b: T) -> Bool { a == b || (a.isNaN && b.isNaN) }
        withExtendedLifetime(xs) {
            y.withElements(T.self) { py in
                g.withElements(T.self) { pg in
                    out.withMutableElements(T.self) { po in
                        bc.forEachRow { dense, off in
                            for j in 0..<n {
                                let v = py[dense + j]
                                guard same(px[k][off[k] + j * rowStrides[k]], v) else { continue }
                                var earlier = false
                                for e in 0..<k where same(px[e][off[e] + j * rowStrides[e]], v) { earlier = true; break }
                                if !earlier { po[dense + j] = pg[dense + j] }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}

/// Where: the output gradient where the condition selects input `input` (X when `taken`),
/// zero elsewhere, at the output's shape.
private func whereGradient(_ c: VJPContext, _ cond: Tensor, taken: Bool, input: Int) throws -> Tensor? {
    guard let x = c.inputs[input], x.dtype.isFloatingPoint else { return nil }
    return try WhereGradient(cond: cond, taken: taken).run([try c.outputGrad(0)], as: x.dtype)
}

private struct WhereGradient: FloatComputation {
    let cond: Tensor, taken: Bool
    func compute<T: FloatMath>(_ ts: [Tensor], _: T.Type) throws -> Tensor {
        let g = ts[0]
        let bc = try Broadcast([cond.shape, g.shape])
        guard bc.shape == g.shape else { throw RuntimeError.invalid("Where: condition \(cond.shape) does not broadcast to the output \(g.shape)") }
        var out = Tensor(zeros: g.shape, dtype: T.dtype)
        let keep: UInt8 = taken ? 1 : 0
        cond.withElements(UInt8.self) { pc in
            g.withElements(T.self) { pg in
                out.withMutableElements(T.self) { po in broadcastLoop(bc, pc, pg, po) { ($0 != 0 ? 1 : 0) == keep ? $1 : 0 } }
            }
        }
        return out
    }
}

private func castBack(_ c: VJPContext) throws -> Tensor? {
    guard c.needs(0), let x = c.inputs[0], x.dtype.isFloatingPoint else { return nil }
    let g = try c.outputGrad(0)
    guard g.dtype.isFloatingPoint else { return nil }
    return try castTensor(g, to: x.dtype, c.kernelContext)
}
