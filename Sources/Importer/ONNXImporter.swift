import Foundation
import Runtime
import SwiftProtobuf

/// A loaded model and what the import noticed about it.
public struct ImportResult {
    public var model: Model
    public var report: ImportReport
}

/// Reads `.onnx` files (`ModelProto`) into the runtime's graph IR. Import never stops at an
/// op the runtime lacks: those are listed in the report, and `Session` refuses them later.
public enum ONNXImporter {
    /// Domains whose ops this runtime may implement; nodes of any other domain get a warning.
    static let knownDomains: Set<String> = ["", "ai.onnx", "ai.onnx.ml", "ai.onnx.preview.training"]
    /// ai.onnx opset versions whose semantics the kernels follow.
    public static let supportedOpsets = 7...18

    public static func load(path: String) throws -> ImportResult {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            let exists = FileManager.default.fileExists(atPath: path)
            throw ImportError(.io, file: path, exists ? "cannot read file: \(error.localizedDescription)" : "file not found")
        }
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try load(data: data, baseDirectory: dir, sourceName: path)
    }

    /// `baseDirectory` resolves external tensor data (nil: a model with external data fails);
    /// `sourceName` names the model in errors and becomes `Model.sourcePath`.
    public static func load(data: Data, baseDirectory: String?, sourceName: String,
                            registry: OpRegistry = .standard) throws -> ImportResult {
        guard !data.isEmpty else { throw ImportError(.notONNX, file: sourceName, "file is empty (0 bytes); expected an ONNX model") }
        let proto: Onnx_ModelProto
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 1000 // deeply nested control-flow subgraphs
            proto = try Onnx_ModelProto(serializedBytes: data, options: options)
        } catch {
            throw ImportError(.notONNX, file: sourceName, "is not an ONNX model: the protobuf data is truncated or corrupt (\(error), \(data.count) bytes)")
        }
        var missing: [String] = []
        if !proto.hasIrVersion { missing.append("no ir_version") }
        if !proto.hasGraph { missing.append("no graph") }
        if proto.opsetImport.isEmpty { missing.append("no opset_import") }
        guard missing.isEmpty else {
            throw ImportError(.notONNX, file: sourceName, "is not an ONNX model (\(missing.joined(separator: ", ")); \(data.count) bytes)")
        }

        var importer = GraphImporter(source: sourceName, baseDirectory: baseDirectory, registry: registry)
        let graph = try importer.importGraph(proto.graph, isMain: true)

        var opsets: [String: Int] = [:]
        for o in proto.opsetImport {
            opsets[o.domain == "ai.onnx" ? "" : o.domain] = Int(o.version)
        }
        var metadata: [String: String] = [:]
        for e in proto.metadataProps { metadata[e.key] = e.value }
        let model = Model(graph: graph, opsetImports: opsets, irVersion: Int(proto.irVersion),
                          producerName: proto.producerName, producerVersion: proto.producerVersion,
                          sourcePath: sourceName, metadata: metadata)
        let report = makeReport(proto, model: model, nodesByOp: importer.nodesByOp, registry: registry)
        return ImportResult(model: model, report: report)
    }

    static func makeReport(_ proto: Onnx_ModelProto, model: Model, nodesByOp: [OpKey: [String]],
                           registry: OpRegistry) -> ImportReport {
        var report = ImportReport()
        let functions = Set(proto.functions.map { OpKey($0.domain, $0.name) })
        for (key, names) in nodesByOp {
            report.opCounts[key] = names.count
            if registry.definition(domain: key.domain, type: key.type) == nil {
                report.unsupportedOps.append(.init(op: key, nodes: names))
            }
        }
        report.unsupportedOps.sort { $0.op.description < $1.op.description }

        var domains: [String: Int] = [:]
        for (key, names) in nodesByOp where !knownDomains.contains(key.domain) && !functions.contains(key) {
            domains[key.domain, default: 0] += names.count
        }
        for (d, n) in domains.sorted(by: { $0.key < $1.key }) {
            report.warnings.append("\(n) node\(n == 1 ? "" : "s") use ops from domain '\(d)', which is not part of standard ONNX")
        }
        for (key, names) in nodesByOp where key.domain != "" && model.opsetImports[key.domain] == nil && !functions.contains(key) {
            report.warnings.append("domain '\(key.domain)' of op \(key) (\(names.count) node\(names.count == 1 ? "" : "s")) has no opset_import entry")
        }
        for f in proto.functions.sorted(by: { $0.name < $1.name }) where nodesByOp[OpKey(f.domain, f.name)] != nil {
            report.warnings.append("model-local function \(OpKey(f.domain, f.name)) is not inlined; its nodes cannot run")
        }
        if let v = model.opsetImports[""], !supportedOpsets.contains(v) {
            report.warnings.append("ai.onnx opset \(v) is outside the supported range \(supportedOpsets.lowerBound)–\(supportedOpsets.upperBound); "
                + "ops are run with the semantics of the nearest supported version")
        }
        for v in model.graph.inputs + model.graph.outputs {
            if let t = v.unsupportedType { report.warnings.append("value '\(v.name)' has unsupported type \(t)") }
        }
        if !proto.trainingInfo.isEmpty {
            report.warnings.append("training_info (\(proto.trainingInfo.count) entries) is ignored")
        }
        return report
    }
}
