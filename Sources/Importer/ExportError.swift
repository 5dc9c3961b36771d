/// Why a model could not be exported. `description` is a complete sentence naming the model
/// and, where relevant, the node, attribute or tensor involved.
public struct ExportError: Error, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// A node of the runtime's internal domain (a backend rewrite), which is not ONNX.
        case internalOp
        /// An attribute kind the importer keeps only as `.opaque` (sparse tensors, type protos).
        case opaqueAttribute
        /// A tensor ONNX cannot hold as written (string tensors have no byte encoding here).
        case unsupportedDType
        /// A `parameters` entry that names no initializer or does not fit the one it replaces.
        case badParameter
        /// More tensor bytes than one protobuf message can hold: use external data.
        case tooLarge
        /// The output file(s) could not be written.
        case io
    }

    public var kind: Kind
    /// The model being exported (its source path, or its graph's name).
    public var model: String
    public var message: String

    public init(_ kind: Kind, model: String, _ message: String) {
        self.kind = kind
        self.model = model
        self.message = message
    }

    public var description: String { "cannot export \(model): \(message)" }
}
