import Foundation
import Runtime
import SwiftProtobuf
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a `Model` (imported, built in Swift, or with trained weights) as an `.onnx` file
/// that `ONNXImporter` reads back field for field and onnxruntime runs.
public enum ONNXExporter {
    /// Where `write` puts initializer bytes.
    public enum ExternalDataPolicy: Sendable {
        /// In a side file when the initializers exceed `automaticExternalDataBytes`.
        case automatic
        /// Initializers of 1 KiB or more in a side file.
        case always
        /// Everything inside the model file (fails beyond protobuf's 2 GiB).
        case never
    }

    /// Initializer bytes above which `.automatic` uses external data: protobuf cannot encode a
    /// message over 2 GiB, and the graph itself needs room.
    public static let automaticExternalDataBytes = 1536 << 20
    static let protobufLimit = Int(Int32.max)

    /// The model as `.onnx` bytes, every tensor inline. `parameters` replace the values of
    /// initializers of the same name (e.g. a `Session`'s trained `parameters`).
    public static func serialize(_ model: Model, parameters: [String: Tensor] = [:]) throws -> Data {
        try encode(model, parameters: parameters, external: nil)
    }

    /// Writes the model to `path` atomically: into a temporary file in the same directory,
    /// then renamed over `path`, so a failure never leaves a partial file. With external
    /// data, initializers go to `<file name>.data` beside it (renamed into place first, so
    /// the model never refers to missing data).
    public static func write(_ model: Model, to path: String, parameters: [String: Tensor] = [:],
                             externalData: ExternalDataPolicy = .automatic) throws {
        let name = modelName(model)
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let fileName = url.lastPathComponent
        let useExternal: Bool
        switch externalData {
        case .always: useExternal = true
        case .never: useExternal = false
        case .automatic: useExternal = initializerBytes(model.graph, parameters: parameters) > automaticExternalDataBytes
        }

        let token = UUID().uuidString
        let tempModel = "\(directory)/.\(fileName).\(token).tmp"
        let dataName = fileName + ".data"
        let tempData = "\(directory)/.\(dataName).\(token).tmp"
        defer {
            try? FileManager.default.removeItem(atPath: tempModel)
            if useExternal { try? FileManager.default.removeItem(atPath: tempData) }
        }
        func ioError(_ what: String, _ error: Error) -> ExportError {
            ExportError(.io, model: name, "cannot write \(what): \(error.localizedDescription)")
        }

        var writer: ExternalDataWriter?
        if useExternal {
            do {
                writer = try ExternalDataWriter(path: tempData, location: dataName)
            } catch {
                throw ioError("\(directory)/\(dataName)", error)
            }
        }
        let bytes = try encode(model, parameters: parameters, external: writer)
        do {
            try writer?.finish()
            try writeSynced(bytes, to: tempModel)
        } catch {
            throw ioError(path, error)
        }
        if let writer, writer.size > 0 {
            try rename(tempData, to: "\(directory)/\(dataName)", model: name)
        }
        try rename(tempModel, to: path, model: name)
    }

    // MARK: internals

    static func modelName(_ model: Model) -> String { model.sourcePath ?? "model '\(model.graph.name)'" }

    static func encode(_ model: Model, parameters: [String: Tensor], external: ExternalDataWriter?) throws -> Data {
        let name = modelName(model)
        try checkNoInternalOps(model.graph, model: name)
        try checkParameters(parameters, graph: model.graph, model: name)

        var exporter = GraphExporter(model: name, external: external)
        var p = Onnx_ModelProto()
        p.irVersion = Int64(model.irVersion > 0 ? model.irVersion : 8)
        p.producerName = model.producerName
        p.producerVersion = model.producerVersion
        p.opsetImport = model.opsetImports.sorted { $0.key < $1.key }.map { domain, version in
            var o = Onnx_OperatorSetIdProto()
            o.domain = domain
            o.version = Int64(version)
            return o
        }
        p.metadataProps = model.metadata.sorted { $0.key < $1.key }.map { key, value in
            var e = Onnx_StringStringEntryProto()
            e.key = key
            e.value = value
            return e
        }
        p.graph = try exporter.exportGraph(model.graph, parameters: parameters, context: "graph '\(model.graph.name)'")
        guard exporter.inlineBytes < protobufLimit else {
            throw ExportError(.tooLarge, model: name, "\(exporter.inlineBytes) bytes of tensor data do not fit in one protobuf message (2 GiB); "
                + "write the model with external data (ONNXExporter.write(_:to:externalData: .always))")
        }
        let data: Data = try p.serializedBytes()
        guard data.count <= protobufLimit else {
            throw ExportError(.tooLarge, model: name, "the model serializes to \(data.count) bytes, over protobuf's 2 GiB; "
                + "write it with external data (ONNXExporter.write(_:to:externalData: .always))")
        }
        return data
    }

    /// Backend rewrites (the oneDNN backend's `FusedConv`) live in `OpRegistry.internalDomain`:
    /// no other runtime knows them, so a rewritten graph (`Session.graph`) must not become a file.
    static func checkNoInternalOps(_ graph: Graph, model: String) throws {
        var found: [String] = []
        func scan(_ g: Graph) {
            for n in g.nodes {
                if n.domain == OpRegistry.internalDomain { found.append(n.label) }
                for a in n.attributes.values {
                    switch a {
                    case .graph(let sub): scan(sub)
                    case .graphs(let subs): subs.forEach(scan)
                    default: break
                    }
                }
            }
        }
        scan(graph)
        guard found.isEmpty else {
            let shown = found.prefix(5).joined(separator: ", ")
            throw ExportError(.internalOp, model: model, "\(found.count) node\(found.count == 1 ? "" : "s") (\(shown)\(found.count > 5 ? ", …" : "")) "
                + "use the runtime-internal domain '\(OpRegistry.internalDomain)', written by a backend's graph rewrites; "
                + "export the source model (session.model, with session.parameters) instead of the executed graph")
        }
    }

    static func checkParameters(_ parameters: [String: Tensor], graph: Graph, model: String) throws {
        for (name, t) in parameters.sorted(by: { $0.key < $1.key }) {
            guard let old = graph.initializers[name] else {
                throw ExportError(.badParameter, model: model, "parameter '\(name)' is not an initializer of graph '\(graph.name)'")
            }
            guard old.dtype == t.dtype, old.shape == t.shape else {
                throw ExportError(.badParameter, model: model, "parameter '\(name)' is \(t.dtype)\(t.shape), "
                    + "but the initializer it replaces is \(old.dtype)\(old.shape)")
            }
        }
    }

    /// Initializer bytes of the graph and its subgraphs, with `parameters` in place.
    static func initializerBytes(_ g: Graph, parameters: [String: Tensor] = [:]) -> Int {
        var total = 0
        for (name, t) in g.initializers { total += (parameters[name] ?? t).byteCount }
        for n in g.nodes {
            for a in n.attributes.values {
                switch a {
                case .graph(let sub): total += initializerBytes(sub)
                case .graphs(let subs): total += subs.reduce(0) { $0 + initializerBytes($1) }
                default: break
                }
            }
        }
        return total
    }

    static func writeSynced(_ data: Data, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? h.close() }
        try h.write(contentsOf: data)
        try h.synchronize()
    }

    /// POSIX rename: atomically replaces `destination`.
    static func rename(_ source: String, to destination: String, model: String) throws {
        #if canImport(Glibc)
        let rc = Glibc.rename(source, destination)
        #else
        let rc = Darwin.rename(source, destination)
        #endif
        guard rc == 0 else {
            throw ExportError(.io, model: model, "cannot move the written file into place at \(destination): \(String(cString: strerror(errno)))")
        }
    }
}
