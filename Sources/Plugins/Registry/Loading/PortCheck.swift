import Runtime

/// Checks an interface against a graph: every port names a graph input or output of the
/// declared element type and shape, every graph input is described, every layer is a value the
/// graph computes. Errors name the port, what plugins.json says and what the graph has.
public enum PortCheck {
    public static func check(_ interface: PluginInterface, against model: Model, context: String) throws {
        let g = model.graph
        func fail(_ message: String) -> PluginError { PluginError(.portMismatch, "\(context): \(message)") }
        let inputs = g.runtimeInputs
        for p in interface.inputs {
            guard let v = inputs.first(where: { $0.name == p.name }) else {
                throw fail("input port '\(p.name)': the graph has no input '\(p.name)'; its inputs: \(inputs.map { "'\($0.name)'" }.joined(separator: ", "))")
            }
            try compare(p, v, side: "input", fail)
        }
        for v in inputs where !interface.inputs.contains(where: { $0.name == v.name }) {
            throw fail("the graph input '\(v.name)' \(v.shapeDescription) is not described by any input port; "
                + "ports: \(interface.inputs.map { "'\($0.name)'" }.joined(separator: ", "))")
        }
        let produced = Set(g.nodes.flatMap(\.outputs))
        for p in interface.outputs {
            if let v = g.outputs.first(where: { $0.name == p.name }) {
                try compare(p, v, side: "output", fail)
            } else if !produced.contains(p.name) {
                throw fail("output port '\(p.name)': the graph has no value '\(p.name)'; its outputs: \(g.outputs.map { "'\($0.name)'" }.joined(separator: ", "))")
            }
        }
        for l in interface.layers where !produced.contains(l.tensor) {
            throw fail("layer '\(l.name)': no node of the graph computes '\(l.tensor)'")
        }
    }

    static func compare(_ p: Port, _ v: ValueInfo, side: String, _ fail: (String) -> PluginError) throws {
        if let d = v.dtype, d != p.dtype {
            throw fail("\(side) port '\(p.name)': expected \(p.dtype), got \(d)")
        }
        guard let dims = v.shape else { return }
        let got = "[" + dims.map(\.description).joined(separator: ", ") + "]"
        guard dims.count == p.shape.count else {
            throw fail("\(side) port '\(p.name)': expected shape \(p.shapeDescription), got \(got)")
        }
        for (i, (want, have)) in zip(p.shape, dims).enumerated() {
            switch (want, have) {
            case let (.fixed(a), .fixed(b)) where a != b:
                throw fail("\(side) port '\(p.name)': expected shape \(p.shapeDescription), got \(got) (dimension \(i))")
            case let (.symbolic(s), .fixed(b)):
                throw fail("\(side) port '\(p.name)': expected shape \(p.shapeDescription), got \(got) (dimension \(i) is fixed at \(b), not free like '\(s)')")
            default:
                continue
            }
        }
    }
}
