import Foundation
import Runtime
import SwiftProtobuf

/// `TensorProto` ↔ `Tensor`, for initializers, attribute tensors and the conformance data's
/// `input_N.pb`/`output_N.pb` files.
public enum TensorProtoIO {
    /// Reads a file holding one serialized `TensorProto`.
    public static func read(path: String) throws -> Tensor {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw ImportError(.io, file: path, "cannot read file: \(error.localizedDescription)")
        }
        let proto: Onnx_TensorProto
        do {
            proto = try Onnx_TensorProto(serializedBytes: data)
        } catch {
            throw ImportError(.notONNX, file: path, "not a valid TensorProto file (\(error))")
        }
        let dir = (path as NSString).deletingLastPathComponent
        return try tensor(from: proto, baseDirectory: dir, source: path)
    }

    /// Decodes a tensor; `baseDirectory` resolves external data (nil: external data is an
    /// error).
    public static func tensor(from proto: Onnx_TensorProto, baseDirectory: String?) throws -> Tensor {
        try tensor(from: proto, baseDirectory: baseDirectory, source: baseDirectory ?? "<tensor>")
    }

    static func tensor(from proto: Onnx_TensorProto, baseDirectory: String?, source: String) throws -> Tensor {
        do {
            return try decode(proto, baseDirectory: baseDirectory)
        } catch let e as TensorDecodeError {
            throw ImportError(e.kind, file: source, "tensor '\(proto.name)': \(e.message)")
        }
    }

    // MARK: decoding

    static func decode(_ p: Onnx_TensorProto, baseDirectory: String?) throws -> Tensor {
        let code = Int(p.dataType)
        guard let dtype = DType(rawValue: code), dtype != .string else {
            throw TensorDecodeError("element type \(DType.onnxName(code)) is not supported "
                + "(supported: \(DType.allCases.filter { $0 != .string }.map(\.description).joined(separator: ", ")))", kind: .unsupportedDType)
        }
        var shape: [Int] = []
        var count = 1
        for d in p.dims {
            guard d >= 0, d <= Int64(Int.max) else { throw TensorDecodeError("negative dimension in shape \(p.dims)") }
            let (m, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow, m <= Int.max / 8 else { throw TensorDecodeError("shape \(p.dims) is too large") }
            shape.append(Int(d))
            count = m
        }
        if p.hasSegment { throw TensorDecodeError("segmented tensors are not supported", kind: .unsupportedFeature) }
        let byteCount = count * dtype.byteSize

        if p.dataLocation == .external {
            let bytes = try ExternalData.read(p.externalData, expectedBytes: byteCount, baseDirectory: baseDirectory)
            return bytes.withUnsafeBytes { Tensor(shape: shape, dtype: dtype, bytes: $0) }
        }
        if p.hasRawData {
            guard p.rawData.count == byteCount else {
                throw TensorDecodeError("raw_data has \(p.rawData.count) bytes, but \(dtype)\(shape) needs \(byteCount) "
                    + "(\(count) elements × \(dtype.byteSize) bytes)")
            }
            // Little-endian on disk, and every supported host is little-endian.
            return p.rawData.withUnsafeBytes { Tensor(shape: shape, dtype: dtype, bytes: $0) }
        }
        return try typed(p, dtype: dtype, shape: shape, count: count)
    }

    /// The typed repeated fields. ONNX packs the narrow types into `int32_data` (float16 and
    /// bfloat16 as their bit patterns) and uint32 into `uint64_data`.
    static func typed(_ p: Onnx_TensorProto, dtype: DType, shape: [Int], count: Int) throws -> Tensor {
        func check(_ n: Int, _ field: String) throws {
            guard n == count else {
                if n == 0 {
                    throw TensorDecodeError("has no data: \(dtype)\(shape) needs \(count) elements in raw_data or \(field)")
                }
                throw TensorDecodeError("\(field) has \(n) elements, but shape \(shape) needs \(count)")
            }
        }
        // Check the element count before allocating: a corrupt shape must not allocate.
        switch dtype {
        case .float32: try check(p.floatData.count, "float_data")
        case .float64: try check(p.doubleData.count, "double_data")
        case .int64: try check(p.int64Data.count, "int64_data")
        case .uint64, .uint32: try check(p.uint64Data.count, "uint64_data")
        case .int32, .int16, .int8, .uint16, .uint8, .bool, .float16, .bfloat16: try check(p.int32Data.count, "int32_data")
        case .string: throw TensorDecodeError("string tensors are not supported", kind: .unsupportedDType)
        }
        var t = Tensor(zeros: shape, dtype: dtype)
        if count == 0 { return t }
        func fill<S, D: TensorElement>(_ src: [S], _: D.Type, _ convert: (S) -> D) {
            t.withUnsafeMutableBufferPointer(as: D.self) { dst in
                for i in 0..<count { dst[i] = convert(src[i]) }
            }
        }
        switch dtype {
        case .float32:
            fill(p.floatData, Float.self) { $0 }
        case .float64:
            fill(p.doubleData, Double.self) { $0 }
        case .int64:
            fill(p.int64Data, Int64.self) { $0 }
        case .uint64:
            fill(p.uint64Data, UInt64.self) { $0 }
        case .uint32:
            fill(p.uint64Data, UInt32.self) { UInt32(truncatingIfNeeded: $0) }
        case .int32:
            fill(p.int32Data, Int32.self) { $0 }
        case .int16:
            fill(p.int32Data, Int16.self) { Int16(truncatingIfNeeded: $0) }
        case .int8:
            fill(p.int32Data, Int8.self) { Int8(truncatingIfNeeded: $0) }
        case .uint16:
            fill(p.int32Data, UInt16.self) { UInt16(truncatingIfNeeded: $0) }
        case .uint8:
            fill(p.int32Data, UInt8.self) { UInt8(truncatingIfNeeded: $0) }
        case .bool:
            t.withUnsafeMutableBytes { dst in
                for i in 0..<count { dst[i] = p.int32Data[i] != 0 ? 1 : 0 }
            }
        case .float16, .bfloat16:
            t.withUnsafeMutableBytes { dst in
                let q = dst.bindMemory(to: UInt16.self)
                for i in 0..<count { q[i] = UInt16(truncatingIfNeeded: p.int32Data[i]) }
            }
        case .string:
            break // rejected above
        }
        return t
    }

    // MARK: encoding

    /// Name, dims and data_type of `tensor`, without its data.
    static func header(_ tensor: Tensor, name: String) -> Onnx_TensorProto {
        var p = Onnx_TensorProto()
        p.name = name
        p.dataType = Int32(tensor.dtype.rawValue)
        p.dims = tensor.shape.map { Int64($0) }
        return p
    }

    /// `tensor` (any dtype but string) with its elements in `raw_data`: little-endian bytes,
    /// the one encoding ONNX defines for every element type (float16/bfloat16 as bit patterns,
    /// bool as one byte per element).
    static func encode(_ tensor: Tensor, name: String) -> Onnx_TensorProto {
        var p = header(tensor, name: name)
        p.rawData = tensor.plain().withUnsafeBytes { Data($0) }
        return p
    }
}
