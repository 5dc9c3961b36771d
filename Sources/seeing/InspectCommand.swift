import ArgumentParser
import Foundation
import Importer
import Runtime

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a model's inputs, outputs, ops, parameter count, opsets and unsupported ops.")

    @Argument(help: "An ONNX file.") var model: String
    @Flag(help: "Print JSON instead of text.") var json = false
    @Flag(help: "Also infer every value's shape by planning one run on seeded random inputs (needs --dim for symbolic dims).")
    var shapes = false
    @Option(name: .customLong("dim"), help: "SYMBOL=SIZE for symbolic dimensions, with --shapes (repeatable).") var dims: [String] = []

    func run() throws {
        let result = try ONNXImporter.load(path: model)
        let m = result.model
        let g = m.graph
        var counts: [String: Int] = [:]
        for n in g.nodes { counts[OpKey(n.domain, n.opType).description, default: 0] += 1 }
        let ops = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        let unsupported = result.report.unsupportedOps
        if json {
            let obj: [String: Any] = [
                "file": model,
                "irVersion": m.irVersion,
                "producer": "\(m.producerName) \(m.producerVersion)".trimmingCharacters(in: .whitespaces),
                "opsets": Dictionary(uniqueKeysWithValues: m.opsetImports.map { ($0.key.isEmpty ? "ai.onnx" : $0.key, $0.value) }),
                "inputs": g.runtimeInputs.map { ["name": $0.name, "dtype": $0.dtype?.description ?? "?", "shape": $0.shape?.map(\.description) ?? []] as [String: Any] },
                "outputs": g.outputs.map { ["name": $0.name, "dtype": $0.dtype?.description ?? "?", "shape": $0.shape?.map(\.description) ?? []] as [String: Any] },
                "ops": Dictionary(uniqueKeysWithValues: ops.map { ($0.key, $0.value) }),
                "nodes": g.nodes.count,
                "parameters": g.parameterCount,
                "initializers": g.initializers.count,
                "unsupportedOps": unsupported.map { ["op": $0.op.description, "nodes": $0.nodes] as [String: Any] },
            ]
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("model: \(model)")
        let producer = "\(m.producerName) \(m.producerVersion)".trimmingCharacters(in: .whitespaces)
        print("producer: \(producer.isEmpty ? "(not set)" : producer), IR version \(m.irVersion)")
        print("opsets: " + m.opsetImports.sorted { $0.key < $1.key }.map { "\($0.key.isEmpty ? "ai.onnx" : $0.key) \($0.value)" }.joined(separator: ", "))
        print("inputs:")
        for i in g.runtimeInputs { print("  \(i.name)  \(i.dtype?.description ?? "?")\(i.shapeDescription)") }
        print("outputs:")
        for o in g.outputs { print("  \(o.name)  \(o.dtype?.description ?? "?")\(o.shapeDescription)") }
        print("ops (\(g.nodes.count) nodes):")
        for (op, c) in ops { print("  \(op) ×\(c)") }
        print("parameters: \(g.parameterCount.formatted()) in \(g.initializers.count) initializers")
        if unsupported.isEmpty {
            print("unsupported ops: none")
        } else {
            print("unsupported ops (\(unsupported.count)):")
            for u in unsupported { print("  \(u.op.description): \(u.nodes.prefix(5).joined(separator: ", "))\(u.nodes.count > 5 ? ", … (\(u.nodes.count) nodes)" : "")") }
        }
        for w in result.report.warnings { print("warning: \(w)") }
        if shapes { try printShapes(m) }
    }

    /// Shape inference for concrete inputs: plans one reference run and lists each node's outputs.
    func printShapes(_ m: Model) throws {
        let dimValues = try InputSpec.parseDims(dims)
        var feeds: [String: Tensor] = [:]
        for (i, d) in m.graph.runtimeInputs.enumerated() {
            feeds[d.name] = try InputSpec(parsing: "\(d.name)=random:\(i)").load(declared: d, dims: dimValues)
        }
        let session = try Session(model: m, backend: .reference)
        let types = try session.valueTypes(for: feeds)
        print("value shapes (for " + feeds.keys.sorted().map { "\($0) \(feeds[$0]!.shape)" }.joined(separator: ", ") + "):")
        for n in session.graph.nodes {
            let outs = n.outputs.filter { !$0.isEmpty }.map { "\($0): \(types[$0].map(\.description) ?? "?")" }
            print("  \(n.label) → \(outs.joined(separator: ", "))")
        }
    }
}

extension Int {
    func formatted() -> String {
        let s = String(self)
        var out = ""
        for (i, c) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 && c != "-" { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }
}
