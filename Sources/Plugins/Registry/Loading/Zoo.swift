import Foundation
import Importer
import Runtime

/// The registered model instances (plugins.json) together with the architecture registries:
/// loads a model by id — files checked against their hashes, the graph imported (ONNX) or
/// built (checkpoint + architecture), the interface checked against it.
public final class Zoo {
    public let catalog: PluginCatalog
    public let registry: PluginRegistry
    public var backend: BackendKind

    public init(catalog: PluginCatalog, registry: PluginRegistry, backend: BackendKind = .dnnl) {
        self.catalog = catalog
        self.registry = registry
        self.backend = backend
    }

    /// The zoo of the plugins.json at `path`, with the standard registries.
    public convenience init(path: String, backend: BackendKind = .dnnl) throws {
        try self.init(catalog: PluginCatalog(path: path), registry: .standard(), backend: backend)
    }

    /// Each file of `entry` with its state on disk.
    public func status(of files: [ModelFile]) -> [(file: ModelFile, status: FileStatus)] {
        files.map { ($0, FileCheck.status($0, at: catalog.absolute($0.path))) }
    }

    /// The architecture factory of `entry`, or an error listing the known ones of its kind.
    public func architecture(of entry: ModelEntry) throws -> ArchitectureFactory {
        do {
            return try registry.architectures(entry.kind).resolve(entry.architecture)
        } catch let e as PluginError {
            throw PluginError(e.kind, "model '\(entry.id)' (\(catalog.path ?? PluginCatalog.fileName)): \(e.message)")
        }
    }

    /// Loads model `id`: its files verified, its graph with public layer names, its interface
    /// checked against the graph.
    public func load(_ id: String) throws -> PluginModel {
        let entry = try catalog.model(id)
        let factory = try architecture(of: entry)
        guard let file = entry.primaryFile else { throw PluginError(.schema, "model '\(id)' has no model or weights file") }
        let path = catalog.absolute(file.path)
        try FileCheck.require(file, at: path, owner: id)
        let context = "model '\(id)'"
        var model: Model
        var probe = false
        switch file.role {
        case .model:
            model = try ONNXImporter.load(path: path).model
        case .weights:
            guard entry.architecture != PluginRegistry.onnx else {
                throw PluginError(.schema, "\(context): the '\(PluginRegistry.onnx)' architecture needs a file with role \"model\" (an ONNX graph), not \"weights\"")
            }
            let weights = try Self.weights(path: path, prefix: entry.checkpointPrefix, context: context)
            let config = entry.config == .null ? nil : JSONNode(entry.config, path: "$.models[id=\(id)].config", source: catalog.path ?? "plugins.json")
            let built = try factory(ArchitectureInput(weights: weights, config: config))
            let r = built.network.report
            guard r.missing.isEmpty, r.misshaped.isEmpty else {
                throw PluginError(.weights, "\(context): \(file.path) does not fit architecture '\(entry.architecture)':\n\(r)")
            }
            model = built.network.model
            probe = true
        case .auxiliary:
            throw PluginError(.schema, "\(context): its primary file has role auxiliary")
        }
        guard model.opset == entry.opset else {
            throw PluginError(.portMismatch, "\(context): opset: plugins.json says \(entry.opset), the graph imports \(model.opset)")
        }
        try PortCheck.check(entry.interface, against: model, context: context)
        let plugin = PluginModel(id: id, architecture: entry.architecture, model: model, interface: entry.interface).withPublicLayerNames()
        // A built graph declares no output shapes: one forward pass checks the ports instead.
        if probe { _ = try PluginVerifier.verify(plugin, backend: backend) }
        return plugin
    }

    /// A checkpoint's tensors, under `prefix` when given.
    public static func weights(path: String, prefix: String?, context: String) throws -> StateDict {
        try weights(CheckpointReader.read(path: path).stateDict, prefix: prefix, context: "\(context): \(path)")
    }

    /// The tensors under `prefix.` (nil: all), refusing a prefix that selects nothing.
    public static func weights(_ all: StateDict, prefix: String?, context: String) throws -> StateDict {
        guard let prefix else { return all }
        let sub = all.subdict(prefix)
        guard !sub.isEmpty else {
            throw PluginError(.weights, "\(context) has no tensors under the prefix '\(prefix)'; its names start with: "
                + Set(all.names.map { String($0.prefix { $0 != "." }) }).sorted().joined(separator: ", "))
        }
        return sub
    }

    public func generator(_ id: String) throws -> GraphGenerator { try GraphGenerator(typed(id, .generator), backend: backend) }
    public func segmenter(_ id: String) throws -> GraphSegmenter { try GraphSegmenter(typed(id, .segmenter), backend: backend) }
    public func featureNet(_ id: String) throws -> GraphFeatureNet { try GraphFeatureNet(typed(id, .featureNet), backend: backend) }
    public func encoder(_ id: String) throws -> GraphEncoder { try GraphEncoder(typed(id, .encoder), backend: backend) }

    /// A loss by id, configured by `config` (an object or nil).
    public func loss(_ id: String, config: JSONValue? = nil) throws -> any Loss {
        let factory = try registry.losses.resolve(id)
        return try factory(ComponentInput(config: config.map { JSONNode($0, path: "$", source: "loss '\(id)' configuration") }, zoo: self))
    }

    private func typed(_ id: String, _ kind: PluginKind) throws -> PluginModel {
        let entry = try catalog.model(id)
        guard entry.kind == kind else {
            let same = catalog.models.filter { $0.kind == kind }.map(\.id)
            throw PluginError(.invalidRequest, "model '\(id)' is a \(entry.kind), not a \(kind); "
                + (same.isEmpty ? "no \(kind) is registered" : "registered \(kind)s: \(same.joined(separator: ", "))"))
        }
        return try load(id)
    }
}
