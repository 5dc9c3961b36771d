/// Every error the runtime reports: a kind for programs, a complete sentence for people.
public struct RuntimeError: Error, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable {
        /// The graph itself is malformed (cycle, dangling input, missing output).
        case invalidGraph
        /// An op (or op version/attribute combination) the runtime does not implement.
        case unsupportedOp
        /// An element type the runtime or this op does not handle.
        case unsupportedDType
        /// A fed input does not match the declaration (missing, extra, wrong dtype or shape).
        case badInput
        /// A kernel found its inputs inconsistent (shapes, values).
        case invalidArgument
        /// A backend library call failed.
        case backendFailure
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// Shorthand used inside kernels; the executor prefixes the node it happened in.
    public static func invalid(_ message: String) -> RuntimeError { RuntimeError(.invalidArgument, message) }
    public static func unsupported(_ message: String) -> RuntimeError { RuntimeError(.unsupportedOp, message) }
    public static func dtype(_ message: String) -> RuntimeError { RuntimeError(.unsupportedDType, message) }
}
