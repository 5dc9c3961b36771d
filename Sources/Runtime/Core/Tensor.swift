import Foundation

/// A memory format other than plain row-major (e.g. a oneDNN blocked layout). A tensor that
/// carries one must be converted with `plain()` before its elements are read.
public protocol OpaqueLayout: AnyObject {
    /// A short description for diagnostics, e.g. "dnnl:aBcd16b".
    var layoutName: String { get }
    /// Reorders `tensor` (which carries this layout) into a plain row-major tensor.
    func toPlain(_ tensor: Tensor) -> Tensor
}

/// An n-dimensional array value. Storage is shared copy-on-write; shape is row-major (C order)
/// unless `layout` says otherwise.
public struct Tensor {
    public private(set) var dtype: DType
    public private(set) var shape: [Int]
    public internal(set) var storage: TensorStorage
    /// nil: plain row-major. Otherwise the bytes are in that layout.
    public internal(set) var layout: OpaqueLayout?

    public var rank: Int { shape.count }
    public var count: Int { shape.reduce(1, *) }
    public var byteCount: Int { count * dtype.byteSize }
    public var isPlain: Bool { layout == nil }

    /// Zero-filled tensor.
    public init(zeros shape: [Int], dtype: DType = .float32) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.dtype = dtype
        self.shape = shape
        self.storage = TensorStorage(byteCount: shape.reduce(1, *) * dtype.byteSize)
        self.layout = nil
    }

    /// Wraps existing storage (which must be large enough).
    public init(shape: [Int], dtype: DType, storage: TensorStorage, layout: OpaqueLayout? = nil) {
        precondition(layout != nil || storage.byteCount >= shape.reduce(1, *) * dtype.byteSize,
                     "storage of \(storage.byteCount) bytes too small for \(dtype)\(shape)")
        self.dtype = dtype
        self.shape = shape
        self.storage = storage
        self.layout = layout
    }

    public init<T: TensorElement>(shape: [Int], values: [T]) {
        precondition(shape.reduce(1, *) == values.count,
                     "shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
        self.init(zeros: shape, dtype: T.dtype)
        values.withUnsafeBytes { src in
            if src.count > 0 { storage.data.copyMemory(from: src.baseAddress!, byteCount: src.count) }
        }
    }

    public init(shape: [Int], floats: [Float]) { self.init(shape: shape, values: floats) }
    public init(shape: [Int], int64s: [Int64]) { self.init(shape: shape, values: int64s) }
    public init(scalar: Float) { self.init(shape: [], values: [scalar]) }
    public init(scalarInt64: Int64) { self.init(shape: [], values: [scalarInt64]) }

    /// Raw bytes in row-major order (e.g. ONNX raw_data, .npy payload).
    public init(shape: [Int], dtype: DType, bytes: UnsafeRawBufferPointer) {
        self.init(zeros: shape, dtype: dtype)
        precondition(bytes.count == byteCount, "expected \(byteCount) bytes for \(dtype)\(shape), got \(bytes.count)")
        if bytes.count > 0 { storage.data.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
    }

    // MARK: element access

    @inline(__always) func checkAccess<T: TensorElement>(_: T.Type) {
        precondition(layout == nil, "tensor is in layout \(layout!.layoutName); call plain() first")
        precondition(T.dtype == dtype, "tensor is \(dtype), accessed as \(T.dtype)")
    }

    public func withUnsafeBufferPointer<T: TensorElement, R>(as: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R) rethrows -> R {
        checkAccess(T.self)
        return try body(UnsafeBufferPointer(start: storage.data.assumingMemoryBound(to: T.self), count: count))
    }

    public mutating func withUnsafeMutableBufferPointer<T: TensorElement, R>(as: T.Type, _ body: (UnsafeMutableBufferPointer<T>) throws -> R) rethrows -> R {
        checkAccess(T.self)
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.data.assumingMemoryBound(to: T.self), count: count))
    }

    /// Read-only raw bytes (plain layout only).
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition(layout == nil, "tensor is in an opaque layout; call plain() first")
        return try body(UnsafeRawBufferPointer(start: storage.data, count: byteCount))
    }

    public mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        precondition(layout == nil, "tensor is in an opaque layout; call plain() first")
        makeUnique()
        return try body(UnsafeMutableRawBufferPointer(start: storage.data, count: byteCount))
    }

    public mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    public func toArray<T: TensorElement>(_: T.Type = T.self) -> [T] {
        plain().withUnsafeBufferPointer(as: T.self) { Array($0) }
    }

    public var floats: [Float] { converted(to: .float32).toArray(Float.self) }

    /// All elements as Double (any numeric dtype), for generic reference paths and tests.
    public var doubles: [Double] {
        let t = plain()
        let n = t.count
        let p = t.storage.data
        var out = [Double](repeating: 0, count: n)
        switch t.dtype {
        case .float32: let q = p.assumingMemoryBound(to: Float.self); for i in 0..<n { out[i] = Double(q[i]) }
        case .float64: let q = p.assumingMemoryBound(to: Double.self); for i in 0..<n { out[i] = q[i] }
        case .float16: let q = p.assumingMemoryBound(to: Float16.self); for i in 0..<n { out[i] = Double(Float(q[i])) }
        case .bfloat16: let q = p.assumingMemoryBound(to: UInt16.self); for i in 0..<n { out[i] = Double(Float(bitPattern: UInt32(q[i]) << 16)) }
        case .int64: let q = p.assumingMemoryBound(to: Int64.self); for i in 0..<n { out[i] = Double(q[i]) }
        case .int32: let q = p.assumingMemoryBound(to: Int32.self); for i in 0..<n { out[i] = Double(q[i]) }
        case .int16: let q = p.assumingMemoryBound(to: Int16.self); for i in 0..<n { out[i] = Double(q[i]) }
        case .int8: let q = p.assumingMemoryBound(to: Int8.self); for i in 0..<n { out[i] = Double(q[i]) }
        case .uint8, .bool: let q = p.assumingMemoryBound(to: UInt8.self); for i in 0..<n { out[i] = Double(q[i]) }
        case .uint16: let q = p.assumingMemoryBound(to: UInt16.self); for i in 0..<n { out[i] = Double(q[i]) }
        case .uint32: let q = p.assumingMemoryBound(to: UInt32.self); for i in 0..<n { out[i] = Double(q[i]) }
        case .uint64: let q = p.assumingMemoryBound(to: UInt64.self); for i in 0..<n { out[i] = Double(q[i]) }
        case .string: break
        }
        return out
    }

    /// Integer elements as Int (int64/int32/…); shape inputs such as Reshape's `shape`.
    public var ints: [Int] {
        let t = plain()
        switch t.dtype {
        case .int64: return t.withUnsafeBufferPointer(as: Int64.self) { $0.map { Int($0) } }
        case .int32: return t.withUnsafeBufferPointer(as: Int32.self) { $0.map { Int($0) } }
        default: return t.doubles.map { Int($0) }
        }
    }

    /// Builds a tensor of `dtype` from doubles (rounding/clamping per element type).
    public init(shape: [Int], dtype: DType, doubles: [Double]) {
        self.init(zeros: shape, dtype: dtype)
        precondition(doubles.count == count, "shape \(shape) needs \(count) values, got \(doubles.count)")
        let p = storage.data
        let n = count
        switch dtype {
        case .float32: let q = p.assumingMemoryBound(to: Float.self); for i in 0..<n { q[i] = Float(doubles[i]) }
        case .float64: let q = p.assumingMemoryBound(to: Double.self); for i in 0..<n { q[i] = doubles[i] }
        case .float16: let q = p.assumingMemoryBound(to: Float16.self); for i in 0..<n { q[i] = Float16(Float(doubles[i])) }
        case .bfloat16: let q = p.assumingMemoryBound(to: UInt16.self); for i in 0..<n { q[i] = Tensor.bfloat16Bits(Float(doubles[i])) }
        case .int64: let q = p.assumingMemoryBound(to: Int64.self); for i in 0..<n { q[i] = Int64(fromDouble: doubles[i]) }
        case .int32: let q = p.assumingMemoryBound(to: Int32.self); for i in 0..<n { q[i] = Int32(fromDouble: doubles[i]) }
        case .int16: let q = p.assumingMemoryBound(to: Int16.self); for i in 0..<n { q[i] = Int16(fromDouble: doubles[i]) }
        case .int8: let q = p.assumingMemoryBound(to: Int8.self); for i in 0..<n { q[i] = Int8(fromDouble: doubles[i]) }
        case .uint8: let q = p.assumingMemoryBound(to: UInt8.self); for i in 0..<n { q[i] = UInt8(fromDouble: doubles[i]) }
        case .bool: let q = p.assumingMemoryBound(to: UInt8.self); for i in 0..<n { q[i] = doubles[i] != 0 ? 1 : 0 }
        case .uint16: let q = p.assumingMemoryBound(to: UInt16.self); for i in 0..<n { q[i] = UInt16(fromDouble: doubles[i]) }
        case .uint32: let q = p.assumingMemoryBound(to: UInt32.self); for i in 0..<n { q[i] = UInt32(fromDouble: doubles[i]) }
        case .uint64: let q = p.assumingMemoryBound(to: UInt64.self); for i in 0..<n { q[i] = UInt64(fromDouble: doubles[i]) }
        case .string: break
        }
    }

    /// Round-to-nearest-even float32 → bfloat16 bits.
    public static func bfloat16Bits(_ f: Float) -> UInt16 {
        if f.isNaN { return 0x7FC0 }
        let b = f.bitPattern
        let rounding = ((b >> 16) & 1) + 0x7FFF
        return UInt16((b &+ rounding) >> 16)
    }

    /// Element-type conversion (ONNX Cast semantics for numeric types). Fast path for the
    /// common float32 ↔ integer cases is not needed at this level: Cast is rare in hot paths.
    public func converted(to target: DType) -> Tensor {
        let t = plain()
        if t.dtype == target { return t }
        if target == .bool {
            return Tensor(shape: shape, dtype: .bool, doubles: t.doubles.map { $0 != 0 ? 1 : 0 })
        }
        return Tensor(shape: shape, dtype: target, doubles: t.doubles)
    }

    /// Same bytes viewed with another shape (element count must match).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        let t = plain()
        return Tensor(shape: newShape, dtype: dtype, storage: t.storage)
    }

    /// This tensor in plain row-major layout (itself when already plain).
    public func plain() -> Tensor {
        guard let l = layout else { return self }
        return l.toPlain(self)
    }

    /// Strides in elements for the row-major layout.
    public static func strides(of shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) { s[i] = acc; acc *= shape[i] }
        return s
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        "Tensor<\(dtype)>\(shape)" + (layout.map { " [\($0.layoutName)]" } ?? "")
    }
}
