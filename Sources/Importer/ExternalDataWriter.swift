import Foundation
import Runtime

/// Appends initializer bytes to a side file while a model is exported, and points the
/// tensors at them (`data_location: EXTERNAL`, the layout `ExternalData.read` reads back).
final class ExternalDataWriter {
    /// Tensors smaller than this stay inline (onnx's own default threshold).
    static let minimumBytes = 1024

    /// The file name written into the model: relative to the model's directory.
    let location: String
    private let handle: FileHandle
    /// Bytes written so far.
    private(set) var size = 0
    private var closed = false

    /// Creates (or truncates) the file at `path`.
    init(path: String, location: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        self.location = location
        handle = h
    }

    deinit { if !closed { try? handle.close() } }

    /// Writes `tensor`'s bytes and makes `proto` (name, dims and type already set) refer to
    /// them. Offsets are aligned (4 KiB for tensors of 1 MiB or more, so that readers can map
    /// them; 64 bytes otherwise).
    func append(_ tensor: Tensor, to proto: inout Onnx_TensorProto) throws {
        let length = tensor.byteCount
        let alignment = length >= 1 << 20 ? 4096 : 64
        let offset = (size + alignment - 1) / alignment * alignment
        if offset > size { try handle.write(contentsOf: Data(count: offset - size)) }
        try tensor.plain().withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress, length > 0 else { return }
            try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: length, deallocator: .none))
        }
        size = offset + length
        proto.dataLocation = .external
        proto.externalData = [("location", location), ("offset", String(offset)), ("length", String(length))].map { k, v in
            var e = Onnx_StringStringEntryProto()
            e.key = k
            e.value = v
            return e
        }
    }

    /// Flushes the file to disk and closes it.
    func finish() throws {
        try handle.synchronize()
        closed = true
        try handle.close()
    }
}
