/// Every problem with a plugin, a registry or plugins.json: a kind for programs, a complete
/// sentence for people (naming the id, the JSON path, the file, both hashes, the port…).
public struct PluginError: Error, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable {
        /// No registered architecture, model, loss or strategy has this id.
        case unknownID
        /// An id registered twice (in code or in plugins.json), or an import over an existing one.
        case duplicateID
        /// plugins.json is not valid JSON or does not follow the schema.
        case schema
        /// A file listed for a model is absent.
        case missingFile
        /// A file's size or sha256 differs from what plugins.json records.
        case hashMismatch
        /// A declared input/output/layer does not match the graph.
        case portMismatch
        /// A checkpoint does not fit the architecture (missing or mis-shaped tensors).
        case weights
        /// A forward pass failed or gave non-finite values or the wrong shape.
        case verification
        /// Reading or writing a file failed.
        case io
        /// A plugin was asked for something it cannot do (a layer it lacks, an image of the wrong size).
        case invalidRequest
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
