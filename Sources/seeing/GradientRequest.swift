import Foundation
import Runtime

/// What `--of OUTPUT --wrt NAME[,NAME…]` asks for, checked against a graph: shared by
/// `seeing grad` and `seeing bench --grad-of`.
struct GradientRequest {
    let output: String
    /// The --wrt names in order, split on commas.
    let names: [String]
    /// The --wrt names that are initializers: they become Session parameters (never folded).
    let parameters: Set<String>

    init(output: String, wrt: [String], graph: Graph, modelPath: String) throws {
        let names = wrt.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw CLIError("--wrt needs at least one name") }
        guard Set(names).count == names.count else { throw CLIError("--wrt lists a name twice: \(names.joined(separator: ", "))") }
        let declared = Set(graph.inputs.map(\.name))
        guard declared.contains(output) || graph.initializers[output] != nil || graph.nodes.contains(where: { $0.outputs.contains(output) }) else {
            throw CLIError("'\(output)' is not a value of \(modelPath) (outputs: \(graph.outputs.map(\.name).joined(separator: ", ")))")
        }
        for n in names where !declared.contains(n) && graph.initializers[n] == nil {
            throw CLIError("--wrt '\(n)' is neither an input nor an initializer of \(modelPath) (inputs: \(graph.runtimeInputs.map(\.name).joined(separator: ", ")); \(graph.initializers.count) initializers)")
        }
        self.output = output
        self.names = names
        self.parameters = Set(names.filter { graph.initializers[$0] != nil })
    }
}
