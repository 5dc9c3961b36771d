import Runtime

/// What an import found that the runtime cannot (yet) run, plus non-fatal oddities. Import
/// always completes; the report says whether a `Session` over the model can be built.
public struct ImportReport: CustomStringConvertible {
    /// An op type the standard registry lacks, with the names (or labels) of the nodes using
    /// it, subgraphs included.
    public struct UnsupportedOp: CustomStringConvertible {
        public var op: OpKey
        public var nodes: [String]
        public var description: String {
            let shown = nodes.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
            return "\(op) (\(nodes.count) node\(nodes.count == 1 ? "" : "s"): \(shown)\(nodes.count > 5 ? ", …" : ""))"
        }
    }

    /// Sorted by op name.
    public var unsupportedOps: [UnsupportedOp] = []
    public var warnings: [String] = []
    /// Op type → number of nodes (subgraphs included).
    public var opCounts: [OpKey: Int] = [:]

    public init() {}

    /// True when every op is known to the registry.
    public var isRunnable: Bool { unsupportedOps.isEmpty }

    public var description: String {
        var lines: [String] = []
        if unsupportedOps.isEmpty {
            lines.append("all \(opCounts.count) op types are supported")
        } else {
            lines.append("\(unsupportedOps.count) unsupported op type\(unsupportedOps.count == 1 ? "" : "s"):")
            lines += unsupportedOps.map { "  \($0)" }
        }
        lines += warnings.map { "warning: \($0)" }
        return lines.joined(separator: "\n")
    }
}
