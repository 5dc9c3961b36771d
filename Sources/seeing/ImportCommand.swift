import ArgumentParser
import Foundation
import Plugins

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a checkpoint onto a built-in architecture and register it in plugins.json.",
        discussion: """
        Reads FILE (PyTorch .pth/.pt, safetensors, or ONNX initializers), binds its tensors by name \
        onto the architecture (reporting every missing, unexpected and mis-shaped one), checks a \
        forward pass, writes the model as ONNX to models/ID/ID.onnx beside plugins.json and adds \
        its entry (with the file's sha256 and size). A checkpoint that nests the weights under one \
        key (netG_state_dict.main.0.weight …) is unwrapped automatically, or give --prefix.
        """)

    @OptionGroup var options: PluginsOptions
    @Argument(help: "The checkpoint.") var file: String
    @Option(help: "Architecture id (see `seeing zoo list`).") var arch: String
    @Option(help: "Id of the new model (default: the file name without extension).") var id: String?
    @Option(help: "Read the tensors under this key (e.g. netG_state_dict).") var prefix: String?
    @Flag(help: "Replace a model already registered under the id.") var force = false
    @Flag(help: "Register even when tensors are missing or mis-shaped (they keep their seeded initial values).") var allowPartial = false
    @Option(help: "Licence of the weights, recorded in plugins.json.") var licence: String?
    @Option(help: "One-line description, recorded in plugins.json.") var description: String?
    @Option(help: "Backend of the verification pass: dnnl (default) or reference.") var backend: String = "dnnl"

    func run() throws {
        let path = PluginCatalog.locate(explicit: options.plugins)
            ?? (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(PluginCatalog.fileName)
        var request = ModelImporter.Request(checkpoint: file, architecture: arch, id: id, prefix: prefix)
        request.force = force
        request.allowPartial = allowPartial
        request.licence = licence
        request.description = description
        let o = try ModelImporter.run(request, catalogPath: path, registry: .standard(), backend: parseBackend(backend))
        print("read \(file): \(o.format.rawValue)" + (o.skipped.isEmpty ? "" : ", left out \(o.skipped.count) non-tensor entries (\(o.skipped.prefix(5).joined(separator: ", "))\(o.skipped.count > 5 ? ", …" : ""))"))
        if let p = o.prefix { print("tensors under '\(p)'" + (o.prefixDetected ? " (detected: every name starts with it)" : "")) }
        print("architecture \(arch) (\(o.entry.kind)):")
        for line in o.report.description.split(separator: "\n") { print("  \(line)") }
        let shapes = o.entry.interface.outputs.map { "'\($0.name)' \(o.verification.shapes[$0.name] ?? [])" }.joined(separator: ", ")
        print("forward pass on \(o.verification.batch) seeded inputs: \(shapes), all finite")
        print("wrote \(o.modelPath) (sha256 \(o.entry.files[0].sha256), \(o.entry.files[0].bytes) bytes)")
        print("registered '\(o.entry.id)' in \(path)")
    }
}
