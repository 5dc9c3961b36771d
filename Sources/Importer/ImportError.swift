/// Why a model (or tensor file) could not be imported. `description` is a complete sentence
/// naming the file and, where relevant, the tensor, node or attribute involved.
public struct ImportError: Error, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The file is missing or unreadable.
        case io
        /// Empty, truncated, corrupt, or not a ModelProto at all.
        case notONNX
        /// A tensor of an element type the runtime cannot hold (string, complex, float8, …).
        case unsupportedDType
        /// A graph input of a non-tensor type (sequence, map, optional, …).
        case unsupportedType
        /// Tensor data inconsistent with its shape, or external data that cannot be read.
        case invalidData
        /// Something valid in ONNX that the importer does not handle (sparse initializers, …).
        case unsupportedFeature
    }

    public var kind: Kind
    /// The file (or source name) being imported.
    public var file: String
    /// What went wrong, without the file name.
    public var message: String

    public init(_ kind: Kind, file: String, _ message: String) {
        self.kind = kind
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}

/// A failure inside tensor decoding, before it is known which file it belongs to.
struct TensorDecodeError: Error {
    var kind: ImportError.Kind
    var message: String
    init(_ message: String, kind: ImportError.Kind = .invalidData) {
        self.kind = kind
        self.message = message
    }
}
