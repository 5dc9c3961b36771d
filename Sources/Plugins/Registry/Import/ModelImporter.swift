import Foundation
import Importer
import Runtime

/// `seeing import`: a checkpoint (PyTorch .pth/.pt, safetensors or ONNX initializers) bound by
/// name onto a built-in architecture, checked by a forward pass, written as ONNX under
/// models/<id>/ and registered in plugins.json with its hashes.
public enum ModelImporter {
    public struct Request {
        public var checkpoint: String
        public var architecture: String
        /// nil: from the checkpoint's file name.
        public var id: String?
        /// Read the tensors under this prefix; nil: detect a single wrapping key.
        public var prefix: String?
        /// Replace a model already registered under `id`.
        public var force = false
        /// Register even when tensors are missing or mis-shaped (they stay seeded).
        public var allowPartial = false
        public var licence: String?
        public var description: String?
        public var seed: UInt64 = 0

        public init(checkpoint: String, architecture: String, id: String? = nil, prefix: String? = nil) {
            self.checkpoint = checkpoint
            self.architecture = architecture
            self.id = id
            self.prefix = prefix
        }
    }

    public struct Outcome {
        public var entry: ModelEntry
        public var report: WeightReport
        /// The prefix the tensors were read under (given or detected).
        public var prefix: String?
        public var prefixDetected: Bool
        public var format: CheckpointFormat
        /// Non-tensor entries of the checkpoint that were left out.
        public var skipped: [String]
        public var verification: PluginVerifier.Result
        /// Where the ONNX model was written.
        public var modelPath: String
    }

    /// Imports into the catalog at `catalogPath` (created when absent).
    public static func run(_ r: Request, catalogPath: String, registry: PluginRegistry, backend: BackendKind = .dnnl) throws -> Outcome {
        let factory = try registry.architecture(r.architecture).build
        let catalog = FileManager.default.fileExists(atPath: catalogPath)
            ? try PluginCatalog(path: catalogPath)
            : PluginCatalog(root: URL(fileURLWithPath: catalogPath).deletingLastPathComponent().path)
        let id = try r.id ?? defaultID(r.checkpoint)
        try Registry<Void>.validate(id: id, kind: "model")
        let relative = "models/\(id)/\(id).onnx"
        let modelPath = catalog.absolute(relative)
        if !r.force {
            // Refused before any work: an existing id, or a file of that name, is never clobbered.
            try catalog.refuseExisting(id)
            if FileManager.default.fileExists(atPath: modelPath) {
                throw PluginError(.duplicateID, "\(modelPath) already exists; choose another --id or pass --force to replace it")
            }
        }

        let contents = try CheckpointReader.read(path: r.checkpoint)
        let context = "\(r.checkpoint) onto '\(r.architecture)'"
        var attempts: [(prefix: String?, weights: StateDict)] = []
        var detected = false
        if let p = r.prefix {
            attempts = [(p, try Zoo.weights(contents.stateDict, prefix: p, context: r.checkpoint))]
        } else if let wrapper = singleWrappingKey(contents.stateDict) {
            attempts = [(wrapper, contents.stateDict.subdict(wrapper)), (nil, contents.stateDict)]
            detected = true
        } else {
            attempts = [(nil, contents.stateDict)]
        }
        var built: BuiltPlugin?
        var used: String?
        var lastError: Error?
        for a in attempts {
            do {
                let b = try factory(ArchitectureInput(weights: a.weights, seed: r.seed))
                if b.network.report.loaded.count > (built?.network.report.loaded.count ?? -1) {
                    built = b
                    used = a.prefix
                }
                if b.network.report.isExact { break }
            } catch {
                lastError = error
            }
        }
        guard let built, !built.network.report.loaded.isEmpty else {
            let tried = detected ? " (also tried with the wrapping key removed)" : ""
            if let lastError { throw PluginError(.weights, "cannot import \(context)\(tried): \(lastError)") }
            throw PluginError(.weights, "cannot import \(context)\(tried): no tensor of the checkpoint matches the architecture's names; "
                + "the checkpoint has \(sample(contents.stateDict))")
        }
        let report = built.network.report
        if !r.allowPartial && (!report.missing.isEmpty || !report.misshaped.isEmpty) {
            throw PluginError(.weights, "\(context): the checkpoint does not fit (pass --allow-partial to import anyway, "
                + "the missing tensors seeded):\n\(report)")
        }

        var model = built.network.model
        declareOutputShapes(&model.graph, built.interface)
        let plugin = PluginModel(id: id, architecture: r.architecture, model: model, interface: built.interface)
        let verification = try PluginVerifier.verify(plugin, backend: backend, seed: r.seed &+ 11)

        try FileManager.default.createDirectory(atPath: (modelPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try ONNXExporter.write(plugin.exportable, to: modelPath, externalData: .never)
        let digest = try SHA256.hex(file: modelPath)
        let bytes = (try FileManager.default.attributesOfItem(atPath: modelPath)[.size] as? NSNumber)?.intValue ?? 0
        let checkpointDigest = try SHA256.hex(file: r.checkpoint)
        var provenance = "imported by `seeing import` from \((r.checkpoint as NSString).lastPathComponent) "
            + "(\(contents.format.rawValue), sha256 \(checkpointDigest))"
        if let used { provenance += ", tensors under '\(used)'" }
        let entry = ModelEntry(id: id, architecture: r.architecture, description: r.description ?? "",
                               licence: r.licence ?? "unspecified (not given at import)", provenance: provenance,
                               files: [ModelFile(role: .model, path: relative, sha256: digest, bytes: bytes)],
                               opset: model.opset, interface: built.interface)
        do {
            try PluginCatalog.write(catalog.adding(entry, replacing: r.force), to: catalogPath)
        } catch {
            if !r.force { try? FileManager.default.removeItem(atPath: modelPath) }
            throw error
        }
        return Outcome(entry: entry, report: report, prefix: used, prefixDetected: detected && used != nil, format: contents.format,
                       skipped: contents.skipped, verification: verification, modelPath: modelPath)
    }

    /// The first name component shared by every tensor (`netG_state_dict` of
    /// `netG_state_dict.main.0.weight` …), when there is exactly one.
    public static func singleWrappingKey(_ weights: StateDict) -> String? {
        guard !weights.isEmpty, weights.names.allSatisfy({ $0.contains(".") }) else { return nil }
        let firsts = Set(weights.names.map { String($0.prefix { $0 != "." }) })
        return firsts.count == 1 ? firsts.first : nil
    }

    /// The checkpoint's file name without extension, as an id.
    static func defaultID(_ path: String) throws -> String {
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let id = String(stem.unicodeScalars.map { c -> Character in
            let ok = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "." || c == "_" || c == "-"
            return ok ? Character(c) : "-"
        })
        guard !id.isEmpty else { throw PluginError(.invalidRequest, "cannot make an id from \(path); give --id") }
        return id
    }

    /// Graph outputs declared with the interface's shapes, so the written file says them.
    static func declareOutputShapes(_ g: inout Graph, _ i: PluginInterface) {
        for k in g.outputs.indices {
            guard let p = i.outputs.first(where: { $0.name == g.outputs[k].name }) else { continue }
            g.outputs[k].dtype = p.dtype
            g.outputs[k].shape = p.shape.map { d in
                switch d {
                case .fixed(let v): return .fixed(v)
                case .symbolic(let s): return .symbolic(s)
                }
            }
        }
    }

    static func sample(_ weights: StateDict) -> String {
        let head = weights.names.prefix(5).joined(separator: ", ")
        return "\(weights.count) tensors" + (head.isEmpty ? "" : ": \(head)\(weights.count > 5 ? ", …" : "")")
    }
}
