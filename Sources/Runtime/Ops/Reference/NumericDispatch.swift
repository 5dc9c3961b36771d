import Foundation

/// A computation written once, generically, and instantiated for a tensor's element type.
/// Kernels pass a visitor to `DType.visit`, which calls the method for the dtype's Swift type;
/// in optimised builds each instantiation is specialised into its own tight loop.
protocol NumericVisitor {
    associatedtype Result
    func floating<T: BinaryFloatingPoint & TensorElement>(_: T.Type) throws -> Result
    func integer<T: FixedWidthInteger & TensorElement>(_: T.Type) throws -> Result
}

extension DType {
    /// Calls the visitor for this dtype's Swift type. bool, string and bfloat16 (which has no
    /// Swift arithmetic type: see `viaFloat32`) are refused with an error naming `op`.
    func visit<V: NumericVisitor>(_ v: V, op: String) throws -> V.Result {
        switch self {
        case .float32: return try v.floating(Float.self)
        case .float64: return try v.floating(Double.self)
        case .float16: return try v.floating(Float16.self)
        case .int8: return try v.integer(Int8.self)
        case .int16: return try v.integer(Int16.self)
        case .int32: return try v.integer(Int32.self)
        case .int64: return try v.integer(Int64.self)
        case .uint8: return try v.integer(UInt8.self)
        case .uint16: return try v.integer(UInt16.self)
        case .uint32: return try v.integer(UInt32.self)
        case .uint64: return try v.integer(UInt64.self)
        case .bool, .string, .bfloat16:
            throw RuntimeError.dtype("\(op) does not support element type \(self)")
        }
    }
}

/// Runs `body` with bfloat16 operands widened to float32 and, when the first operand was
/// bfloat16, narrows a float32 result back: bfloat16 has no Swift arithmetic type, and this
/// is exactly how its arithmetic is defined (compute in float32, round to bfloat16).
func viaFloat32(_ operands: [Tensor], _ body: ([Tensor]) throws -> Tensor) rethrows -> Tensor {
    guard operands.contains(where: { $0.dtype == .bfloat16 }) else { return try body(operands) }
    let r = try body(operands.map { $0.dtype == .bfloat16 ? $0.converted(to: .float32) : $0 })
    return operands[0].dtype == .bfloat16 && r.dtype == .float32 ? r.converted(to: .bfloat16) : r
}

/// Elementary functions for the floating types kernels compute in (Float, Double). float16
/// and bfloat16 compute through Float. Names differ from libm's so the conformances can call
/// the global functions.
protocol FloatMath: BinaryFloatingPoint & TensorElement {
    static func exponential(_ x: Self) -> Self
    static func logarithm(_ x: Self) -> Self
    /// log(1 + x), accurate for small x.
    static func logOnePlus(_ x: Self) -> Self
    static func hyperbolicTangent(_ x: Self) -> Self
    static func errorFunction(_ x: Self) -> Self
    static func power(_ x: Self, _ y: Self) -> Self
}

extension Float: FloatMath {
    @inline(__always) static func exponential(_ x: Float) -> Float { exp(x) }
    @inline(__always) static func logarithm(_ x: Float) -> Float { log(x) }
    @inline(__always) static func logOnePlus(_ x: Float) -> Float { log1p(x) }
    @inline(__always) static func hyperbolicTangent(_ x: Float) -> Float { tanh(x) }
    @inline(__always) static func errorFunction(_ x: Float) -> Float { erf(x) }
    @inline(__always) static func power(_ x: Float, _ y: Float) -> Float { pow(x, y) }
}

extension Double: FloatMath {
    @inline(__always) static func exponential(_ x: Double) -> Double { exp(x) }
    @inline(__always) static func logarithm(_ x: Double) -> Double { log(x) }
    @inline(__always) static func logOnePlus(_ x: Double) -> Double { log1p(x) }
    @inline(__always) static func hyperbolicTangent(_ x: Double) -> Double { tanh(x) }
    @inline(__always) static func errorFunction(_ x: Double) -> Double { erf(x) }
    @inline(__always) static func power(_ x: Double, _ y: Double) -> Double { pow(x, y) }
}

/// `y[i] = f(x[i])` for a floating-point tensor: `f32` for float32 (and, widened, float16 and
/// bfloat16), `f64` for float64. Other element types are refused.
@inline(__always)
func mapFloat(_ x: Tensor, _ ctx: KernelContext, _ f32: (Float) -> Float, _ f64: (Double) -> Double) throws -> Tensor {
    var y = ctx.allocate(x.shape, x.dtype, zeroed: false)
    let n = x.count
    switch x.dtype {
    case .float32:
        x.withElements(Float.self) { s in y.withMutableElements(Float.self) { d in for i in 0..<n { d[i] = f32(s[i]) } } }
    case .float64:
        x.withElements(Double.self) { s in y.withMutableElements(Double.self) { d in for i in 0..<n { d[i] = f64(s[i]) } } }
    case .float16:
        x.withElements(Float16.self) { s in
            y.withMutableElements(Float16.self) { d in for i in 0..<n { d[i] = Float16(f32(Float(s[i]))) } }
        }
    case .bfloat16:
        x.withElements(UInt16.self) { s in
            y.withMutableElements(UInt16.self) { d in
                for i in 0..<n { d[i] = Tensor.bfloat16Bits(f32(Float(bitPattern: UInt32(s[i]) << 16))) }
            }
        }
    default:
        throw RuntimeError.dtype("\(ctx.node.opType) needs a floating-point input (float16/float32/float64/bfloat16), got \(x.dtype)")
    }
    return y
}

/// `y[i] = f(x[i])` producing bool, for a floating-point tensor (IsNaN, IsInf).
@inline(__always)
func testFloat(_ x: Tensor, _ ctx: KernelContext, _ f32: (Float) -> Bool, _ f64: (Double) -> Bool) throws -> Tensor {
    var y = ctx.allocate(x.shape, .bool, zeroed: false)
    let n = x.count
    switch x.dtype {
    case .float32:
        x.withElements(Float.self) { s in y.withMutableElements(Bool.self) { d in for i in 0..<n { d[i] = f32(s[i]) } } }
    case .float64:
        x.withElements(Double.self) { s in y.withMutableElements(Bool.self) { d in for i in 0..<n { d[i] = f64(s[i]) } } }
    case .float16:
        x.withElements(Float16.self) { s in y.withMutableElements(Bool.self) { d in for i in 0..<n { d[i] = f32(Float(s[i])) } } }
    case .bfloat16:
        x.withElements(UInt16.self) { s in
            y.withMutableElements(Bool.self) { d in for i in 0..<n { d[i] = f32(Float(bitPattern: UInt32(s[i]) << 16)) } }
        }
    default:
        throw RuntimeError.dtype("\(ctx.node.opType) needs a floating-point input (float16/float32/float64/bfloat16), got \(x.dtype)")
    }
    return y
}

/// One element of a tensor of type `T` (scalar operands such as Clip's bounds).
func scalarValue<T>(_ t: Tensor, _: T.Type, _ what: String) throws -> T {
    guard t.count == 1 else { throw RuntimeError.invalid("\(what) must be a scalar (one element), got shape \(t.shape)") }
    return t.withElements(T.self) { $0[0] }
}
