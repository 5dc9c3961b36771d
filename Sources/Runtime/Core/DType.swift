/// Element types a tensor can hold. Raw values are ONNX `TensorProto.DataType` codes so the
/// importer and exporter map them without a table.
public enum DType: Int, CaseIterable, Sendable, CustomStringConvertible {
    case float32 = 1
    case uint8 = 2
    case int8 = 3
    case uint16 = 4
    case int16 = 5
    case int32 = 6
    case int64 = 7
    case string = 8
    case bool = 9
    case float16 = 10
    case float64 = 11
    case uint32 = 12
    case uint64 = 13
    case bfloat16 = 16

    /// Bytes per element (strings are not stored in tensor buffers: 0).
    public var byteSize: Int {
        switch self {
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64: return 8
        case .float16, .bfloat16, .int16, .uint16: return 2
        case .int8, .uint8, .bool: return 1
        case .string: return 0
        }
    }

    public var isFloatingPoint: Bool {
        switch self {
        case .float32, .float64, .float16, .bfloat16: return true
        default: return false
        }
    }

    public var isInteger: Bool {
        switch self {
        case .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .float32: return "float32"
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .uint16: return "uint16"
        case .int16: return "int16"
        case .int32: return "int32"
        case .int64: return "int64"
        case .string: return "string"
        case .bool: return "bool"
        case .float16: return "float16"
        case .float64: return "float64"
        case .uint32: return "uint32"
        case .uint64: return "uint64"
        case .bfloat16: return "bfloat16"
        }
    }

    /// The ONNX name of a raw `DataType` code, also for codes this runtime has no case for.
    public static func onnxName(_ code: Int) -> String {
        if let d = DType(rawValue: code) { return d.description }
        switch code {
        case 0: return "UNDEFINED"
        case 14: return "complex64"
        case 15: return "complex128"
        case 17: return "float8e4m3fn"
        case 18: return "float8e4m3fnuz"
        case 19: return "float8e5m2"
        case 20: return "float8e5m2fnuz"
        case 21: return "uint4"
        case 22: return "int4"
        default: return "dtype#\(code)"
        }
    }
}

/// Swift scalar types that map one-to-one onto a `DType`.
public protocol TensorElement {
    static var dtype: DType { get }
    /// Lossy conversion through Double, used by generic (non-hot) reference paths.
    init(fromDouble v: Double)
    var doubleValue: Double { get }
}

extension Float: TensorElement {
    public static var dtype: DType { .float32 }
    @inline(__always) public init(fromDouble v: Double) { self = Float(v) }
    @inline(__always) public var doubleValue: Double { Double(self) }
}
extension Double: TensorElement {
    public static var dtype: DType { .float64 }
    @inline(__always) public init(fromDouble v: Double) { self = v }
    @inline(__always) public var doubleValue: Double { self }
}
extension Float16: TensorElement {
    public static var dtype: DType { .float16 }
    @inline(__always) public init(fromDouble v: Double) { self = Float16(Float(v)) }
    @inline(__always) public var doubleValue: Double { Double(Float(self)) }
}
extension Bool: TensorElement {
    public static var dtype: DType { .bool }
    @inline(__always) public init(fromDouble v: Double) { self = v != 0 }
    @inline(__always) public var doubleValue: Double { self ? 1 : 0 }
}

/// Integer conversions saturate nothing: out-of-range doubles wrap like C casts would trap,
/// so they are clamped first (NaN becomes 0) to keep reference paths total.
@inline(__always) func clampToInteger<T: FixedWidthInteger>(_ v: Double, _: T.Type) -> T {
    if v.isNaN { return 0 }
    if v >= Double(T.max) { return T.max }
    if v <= Double(T.min) { return T.min }
    return T(v.rounded(.towardZero))
}

extension Int64: TensorElement {
    public static var dtype: DType { .int64 }
    @inline(__always) public init(fromDouble v: Double) { self = clampToInteger(v, Int64.self) }
    @inline(__always) public var doubleValue: Double { Double(self) }
}
extension Int32: TensorElement {
    public static var dtype: DType { .int32 }
    @inline(__always) public init(fromDouble v: Double) { self = clampToInteger(v, Int32.self) }
    @inline(__always) public var doubleValue: Double { Double(self) }
}
extension Int16: TensorElement {
    public static var dtype: DType { .int16 }
    @inline(__always) public init(fromDouble v: Double) { self = clampToInteger(v, Int16.self) }
    @inline(__always) public var doubleValue: Double { Double(self) }
}
extension Int8: TensorElement {
    public static var dtype: DType { .int8 }
    @inline(__always) public init(fromDouble v: Double) { self = clampToInteger(v, Int8.self) }
    @inline(__always) public var doubleValue: Double { Double(self) }
}
extension UInt8: TensorElement {
    public static var dtype: DType { .uint8 }
    @inline(__always) public init(fromDouble v: Double) { self = clampToInteger(v, UInt8.self) }
    @inline(__always) public var doubleValue: Double { Double(self) }
}
extension UInt16: TensorElement {
    public static var dtype: DType { .uint16 }
    @inline(__always) public init(fromDouble v: Double) { self = clampToInteger(v, UInt16.self) }
    @inline(__always) public var doubleValue: Double { Double(self) }
}
extension UInt32: TensorElement {
    public static var dtype: DType { .uint32 }
    @inline(__always) public init(fromDouble v: Double) { self = clampToInteger(v, UInt32.self) }
    @inline(__always) public var doubleValue: Double { Double(self) }
}
extension UInt64: TensorElement {
    public static var dtype: DType { .uint64 }
    @inline(__always) public init(fromDouble v: Double) { self = clampToInteger(v, UInt64.self) }
    @inline(__always) public var doubleValue: Double { Double(self) }
}
