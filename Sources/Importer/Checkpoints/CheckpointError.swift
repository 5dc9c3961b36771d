/// Why a checkpoint could not be read. `description` is a complete sentence naming the file
/// and, where one is involved, the tensor (or archive entry, or pickle byte offset).
public struct CheckpointError: Error, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The file is missing or unreadable.
        case io
        /// Not a PyTorch zip, safetensors or ONNX file.
        case unrecognizedFormat
        /// Truncated or inconsistent: bad offsets, sizes, header, archive structure.
        case corrupt
        /// The pickle asks for something a weights file never needs (a global other than
        /// tensors, storages and containers; an opcode outside the allowed set).
        case refused
        /// Well-formed but not handled: compressed entries, legacy torch format, big-endian
        /// data, element types the runtime has no dtype for.
        case unsupported
    }

    public var kind: Kind
    public var file: String
    /// The tensor the problem is about, if any.
    public var tensor: String?
    /// What went wrong, without the file or tensor name.
    public var message: String

    public init(_ kind: Kind, file: String, tensor: String? = nil, _ message: String) {
        self.kind = kind
        self.file = file
        self.tensor = tensor
        self.message = message
    }

    public var description: String {
        "\(file): " + (tensor.map { "tensor '\($0)': " } ?? "") + message
    }
}
