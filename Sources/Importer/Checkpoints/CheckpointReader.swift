import Foundation
import Runtime

public enum CheckpointFormat: String, Sendable {
    case pytorch, safetensors, onnx
}

/// The weights of an externally trained model, by name.
public struct CheckpointContents {
    public var stateDict: StateDict
    public var format: CheckpointFormat
    /// Dotted names of non-tensor values that were left out (`epoch`, a state dict's
    /// `_metadata`, an optimizer's `param_groups`).
    public var skipped: [String]
    /// safetensors `__metadata__` (empty for other formats).
    public var metadata: [String: String]
}

/// Reads a checkpoint of any supported format into a `StateDict`, recognising the format by
/// its first bytes: a PyTorch zip checkpoint (`torch.save`, PyTorch ≥ 1.6), a safetensors
/// file, or an ONNX model (its initializers). Nothing in a file is ever executed.
public enum CheckpointReader {
    public static func read(path: String) throws -> CheckpointContents {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            let exists = FileManager.default.fileExists(atPath: path)
            throw CheckpointError(.io, file: path, exists ? "cannot read file: \(error.localizedDescription)" : "file not found")
        }
        switch try format(of: data, path: path) {
        case .pytorch:
            let (stateDict, skipped) = try data.withUnsafeBytes { try TorchCheckpoint.read(bytes: $0, file: path) }
            return CheckpointContents(stateDict: stateDict, format: .pytorch, skipped: skipped, metadata: [:])
        case .safetensors:
            let (stateDict, metadata) = try data.withUnsafeBytes { try SafeTensors.decode(bytes: $0, file: path) }
            return CheckpointContents(stateDict: stateDict, format: .safetensors, skipped: [], metadata: metadata)
        case .onnx:
            let graph: Graph
            do {
                graph = try ONNXImporter.load(path: path).model.graph
            } catch let e as ImportError {
                let kind: CheckpointError.Kind
                switch e.kind {
                case .io: kind = .io
                case .notONNX, .invalidData: kind = .corrupt
                case .unsupportedDType, .unsupportedType, .unsupportedFeature: kind = .unsupported
                }
                throw CheckpointError(kind, file: path, e.message)
            }
            let pairs = graph.initializerOrder.compactMap { name in graph.initializers[name].map { (name, $0) } }
            return CheckpointContents(stateDict: StateDict(pairs), format: .onnx, skipped: [], metadata: [:])
        }
    }

    static func format(of data: Data, path: String) throws -> CheckpointFormat {
        let head = [UInt8](data.prefix(9))
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return .pytorch }
        // A header length, then JSON. The length must fit the file unless the name says
        // safetensors, so that an ONNX file whose 9th byte happens to be '{' is not mistaken.
        if head.count == 9, head[8] == UInt8(ascii: "{") {
            let length = head.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            if length <= UInt64(data.count - 8) || path.hasSuffix(".safetensors") { return .safetensors }
        }
        if head.count >= 2, head[0] == 0x80, (2 ... 5).contains(head[1]) {
            throw CheckpointError(.unsupported, file: path, "is a bare pickle (the legacy torch.save format of PyTorch < 1.6, "
                + "or a plain pickle), which cannot be read safely; re-save it with torch>=1.6: torch.save(torch.load(f), f)")
        }
        // ModelProto starts with field 1 (ir_version, a varint): tag byte 0x08.
        if head.first == 0x08 || path.hasSuffix(".onnx") { return .onnx }
        let shown = head.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
        throw CheckpointError(.unrecognizedFormat, file: path, "is not a PyTorch zip checkpoint, safetensors or ONNX file "
            + "(first bytes: \(shown.isEmpty ? "none, the file is empty" : shown))")
    }
}
