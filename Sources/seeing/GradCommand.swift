import ArgumentParser
import Foundation
import Importer
import Runtime

/// `seeing grad`: reverse-mode gradients of one model output, written as .npy files.
struct GradCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grad",
        abstract: "Differentiate one output of an ONNX model with respect to inputs or initializers; write each gradient as .npy.",
        discussion: """
        Writes OUTPUT_DIR/<name>.npy for every --wrt name, with characters outside [A-Za-z0-9._-] \
        replaced by '_' as `seeing run` does: the gradient of sum(OUTPUT ⊙ cotangent), shaped like \
        that value. The cotangent is all ones unless --cotangent gives one (OUTPUT's type and \
        shape). --wrt may name graph inputs or initializers; initializers become parameters of \
        the session (never folded into constants).
        """)

    @Argument(help: "An ONNX file.") var model: String
    @Option(name: .customLong("of"), help: ArgumentHelp("The output (any value name) to differentiate.", valueName: "output"))
    var output: String
    @Option(name: .customLong("wrt"), help: ArgumentHelp("NAME[,NAME…]: graph inputs or initializers (repeatable).", valueName: "names"))
    var wrt: [String]
    @Option(name: .customLong("input"), help: "NAME=FILE.npy or NAME=random:SEED (repeatable).") var inputs: [String] = []
    @Option(name: .customLong("dim"), help: "SYMBOL=SIZE for symbolic dimensions of random inputs, e.g. N=1 (repeatable).") var dims: [String] = []
    @Option(help: "A .npy cotangent for the output (default: ones).") var cotangent: String?
    @Option(name: .customLong("output-dir"), help: "Where to write <wrt>.npy files.") var outputDir: String
    @Option(help: "Backend: dnnl or reference.") var backend: String = "dnnl"

    func run() throws {
        guard let kind = BackendKind(rawValue: backend) else {
            throw CLIError("unknown backend '\(backend)'; known: \(BackendKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let names = wrt.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw CLIError("--wrt needs at least one name") }
        guard Set(names).count == names.count else { throw CLIError("--wrt lists a name twice: \(names.joined(separator: ", "))") }
        // Two names must not overwrite each other's file.
        var files: [String: String] = [:]
        for n in names {
            let f = sanitisedFileName(n) + ".npy"
            if let other = files[f] { throw CLIError("--wrt '\(other)' and '\(n)' would both be written to \(f)") }
            files[f] = n
        }

        let specs = try inputs.map(InputSpec.init(parsing:))
        let dimValues = try InputSpec.parseDims(dims)
        let result = try ONNXImporter.load(path: model)
        let graph = result.model.graph
        var feeds: [String: Tensor] = [:]
        for s in specs {
            if feeds[s.name] != nil { throw CLIError("--input \(s.name) given twice") }
            feeds[s.name] = try s.load(declared: graph.inputs.first { $0.name == s.name }, dims: dimValues)
        }
        let declared = Set(graph.inputs.map(\.name))
        guard declared.contains(output) || graph.initializers[output] != nil || graph.nodes.contains(where: { $0.outputs.contains(output) }) else {
            throw CLIError("--of '\(output)' is not a value of \(model) (outputs: \(graph.outputs.map(\.name).joined(separator: ", ")))")
        }
        for n in names where !declared.contains(n) && graph.initializers[n] == nil {
            throw CLIError("--wrt '\(n)' is neither an input nor an initializer of \(model) (inputs: \(graph.runtimeInputs.map(\.name).joined(separator: ", ")); \(graph.initializers.count) initializers)")
        }
        let parameters = Set(names.filter { graph.initializers[$0] != nil })
        let session = try Session(model: result.model, backend: kind, parameters: parameters)
        let seed = try cotangent.map { try NPY.read(path: $0) }
        let r = try session.gradients(feeds, of: output, wrt: names, cotangent: seed)

        try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
        for n in names {
            guard let g = r.gradients[n] else { throw CLIError("no gradient was computed for '\(n)'") }
            let path = (outputDir as NSString).appendingPathComponent(sanitisedFileName(n) + ".npy")
            try NPY.write(g, to: path)
            print("d\(output)/d\(n): \(g.dtype)\(g.shape) → \(path)")
        }
    }
}
