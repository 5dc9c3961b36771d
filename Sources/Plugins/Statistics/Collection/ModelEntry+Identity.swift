import Foundation

extension ModelEntry {
    /// What decides a model's outputs, as one line for provenance and cache keys: the id, the
    /// sha256 of its model or weights file, and a hash of the rest of its entry that matters
    /// (architecture, opset, checkpoint prefix, config, ports, labels, preprocessing). Text
    /// (description, licence, provenance) and auxiliary files are left out.
    public var identity: String {
        func port(_ p: Port) -> String {
            let range = p.range.map { "\($0.lowerBound)...\($0.upperBound)" } ?? ""
            let fields: [String] = [p.name, "\(p.dtype)", p.shapeDescription, p.role?.rawValue ?? "", p.layout ?? "", range,
                                    p.distribution?.rawValue ?? "", p.activation?.rawValue ?? ""]
            return fields.joined(separator: ",")
        }
        let i = interface
        let weights = files.filter { $0.role != .auxiliary }.map { "\($0.role.rawValue):\($0.sha256)" }
        let inputs: [String] = i.inputs.map(port), outputs: [String] = i.outputs.map(port)
        var parts: [String] = ["architecture=\(architecture)", "opset=\(opset)", "prefix=\(checkpointPrefix ?? "")"]
        parts.append("config=" + JSONPrinter.compact(config))
        parts.append("files=" + weights.joined(separator: ","))
        parts.append("inputs=" + inputs.joined(separator: ";"))
        parts.append("outputs=" + outputs.joined(separator: ";"))
        parts.append("labels=" + (i.labels ?? []).joined(separator: "\u{0}"))
        if let p = i.preprocessing { parts.append("preprocessing=\(p.resize.rawValue) \(p.size ?? []) \(p)") }
        let file = primaryFile.map { "\($0.role.rawValue) sha256:\($0.sha256)" } ?? "no file"
        return "\(id) (\(file), entry sha256:\(SHA256.hex(Data(parts.joined(separator: "\n").utf8)).prefix(16)))"
    }
}
