import ArgumentParser
import Foundation
import Importer
import Plugins
import Runtime

/// `--plugins PATH`: which plugins.json the registry commands use.
struct PluginsOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The model registry (default: $SEEING_PLUGINS, else the first plugins.json in the current directory or above).",
                               valueName: "path"))
    var plugins: String?

    /// The plugins.json in use; fails when there is none.
    func catalogPath() throws -> String {
        guard let p = PluginCatalog.locate(explicit: plugins) else {
            throw CLIError("no plugins.json found in \(FileManager.default.currentDirectoryPath) or above; give --plugins PATH or set \(PluginCatalog.environmentVariable)")
        }
        return p
    }

    func zoo(backend: String = "dnnl") throws -> Zoo {
        try Zoo(path: catalogPath(), backend: parseBackend(backend))
    }
}

func parseBackend(_ name: String) throws -> BackendKind {
    guard let kind = BackendKind(rawValue: name) else { throw CLIError("unknown backend '\(name)'; use dnnl or reference") }
    return kind
}

extension PluginsOptions {
    /// A generator's whole graph from a registered model id or an ONNX file (a file wins when
    /// the name is both).
    func generatorModel(_ spec: String) throws -> Model {
        if FileManager.default.fileExists(atPath: spec) { return try ONNXImporter.load(path: spec).model }
        guard PluginCatalog.locate(explicit: plugins) != nil else {
            throw CLIError("'\(spec)' is not a file, and there is no plugins.json to look it up in (give --plugins PATH)")
        }
        return try zoo(backend: "reference").generator(spec).model
    }
}
