import ArgumentParser
import Foundation
import Importer
import Runtime

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an ONNX model on .npy (or seeded random) inputs and write every output as .npy.",
        discussion: """
        Each graph output is written as OUTPUT_DIR/<name>.npy, with characters outside
        [A-Za-z0-9._-] in the name replaced by '_'. Intermediate values can be requested with
        --output NAME.
        """)

    @Argument(help: "An ONNX file.") var model: String
    @Option(name: .customLong("input"), help: "NAME=FILE.npy or NAME=random:SEED (repeatable).") var inputs: [String] = []
    @Option(name: .customLong("dim"), help: "SYMBOL=SIZE for symbolic dimensions of random inputs, e.g. N=1 (repeatable).") var dims: [String] = []
    @Option(name: .customLong("output"), help: "A value to write instead of the graph outputs (repeatable).") var outputs: [String] = []
    @Option(name: .customLong("output-dir"), help: "Where to write <output>.npy files.") var outputDir: String
    @Option(help: "Backend: dnnl (default) or reference.") var backend: String = "dnnl"

    func run() throws {
        guard let kind = BackendKind(rawValue: backend) else {
            throw CLIError("unknown backend '\(backend)'; known: \(BackendKind.allCases.map(\.rawValue).joined(separator: ", "))")
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
        let session = try Session(model: result.model, backend: kind)
        let out = try session.run(feeds, outputs: outputs.isEmpty ? nil : outputs)
        try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
        let names = outputs.isEmpty ? graph.outputs.map(\.name) : outputs
        for name in names {
            let path = (outputDir as NSString).appendingPathComponent(sanitisedFileName(name) + ".npy")
            try NPY.write(out[name]!, to: path)
            print("\(name): \(out[name]!.dtype)\(out[name]!.shape) → \(path)")
        }
    }
}
