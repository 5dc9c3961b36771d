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
        let specs = try inputs.map(InputSpec.init(parsing:))
        let dimValues = try InputSpec.parseDims(dims)
        let result = try ONNXImporter.load(path: model)
        let graph = result.model.graph
        let request = try GradientRequest(output: output, wrt: wrt, graph: graph, modelPath: model)
        let names = request.names
        // Two names must not overwrite each other's file.
        var files: [String: String] = [:]
        for n in names {
            let f = sanitisedFileName(n) + ".npy"
            if let other = files[f] { throw CLIError("--wrt '\(other)' and '\(n)' would both be written to \(f)") }
            files[f] = n
        }
        var feeds: [String: Tensor] = [:]
        for s in specs {
            if feeds[s.name] != nil { throw CLIError("--input \(s.name) given twice") }
            feeds[s.name] = try s.load(declared: graph.inputs.first { $0.name == s.name }, dims: dimValues)
        }
        let session = try Session(model: result.model, backend: kind, parameters: request.parameters)
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
