import Runtime

/// Every field in which two models differ: graphs recursively, tensors byte for byte, float
/// attributes bit for bit (NaN equals NaN). `sourcePath` is not compared. Empty when equal.
public enum ModelDiff {
    public static func differences(_ a: Model, _ b: Model) -> [String] {
        var d: [String] = []
        if a.irVersion != b.irVersion { d.append("ir_version \(a.irVersion) vs \(b.irVersion)") }
        if a.opsetImports != b.opsetImports { d.append("opset imports \(a.opsetImports) vs \(b.opsetImports)") }
        if a.producerName != b.producerName { d.append("producer name '\(a.producerName)' vs '\(b.producerName)'") }
        if a.producerVersion != b.producerVersion { d.append("producer version '\(a.producerVersion)' vs '\(b.producerVersion)'") }
        if a.metadata != b.metadata { d.append("metadata \(a.metadata) vs \(b.metadata)") }
        graph(a.graph, b.graph, "graph", &d)
        return d
    }

    static func graph(_ a: Graph, _ b: Graph, _ at: String, _ d: inout [String]) {
        if a.name != b.name { d.append("\(at): name '\(a.name)' vs '\(b.name)'") }
        values(a.inputs, b.inputs, "\(at) inputs", &d)
        values(a.outputs, b.outputs, "\(at) outputs", &d)
        if Set(a.valueInfo.keys) != Set(b.valueInfo.keys) {
            d.append("\(at): value_info names \(a.valueInfo.keys.sorted()) vs \(b.valueInfo.keys.sorted())")
        } else {
            for k in a.valueInfo.keys.sorted() { value(a.valueInfo[k]!, b.valueInfo[k]!, "\(at) value_info", &d) }
        }
        if a.initializerOrder != b.initializerOrder {
            d.append("\(at): initializer order \(a.initializerOrder) vs \(b.initializerOrder)")
        }
        if Set(a.initializers.keys) != Set(b.initializers.keys) {
            d.append("\(at): initializer names \(a.initializers.keys.sorted()) vs \(b.initializers.keys.sorted())")
        } else {
            for k in a.initializers.keys.sorted() {
                tensor(a.initializers[k]!, b.initializers[k]!, "\(at) initializer '\(k)'", &d)
            }
        }
        guard a.nodes.count == b.nodes.count else {
            d.append("\(at): \(a.nodes.count) vs \(b.nodes.count) nodes")
            return
        }
        for (i, (x, y)) in zip(a.nodes, b.nodes).enumerated() { node(x, y, "\(at) node #\(i) \(x.label)", &d) }
    }

    static func values(_ a: [ValueInfo], _ b: [ValueInfo], _ at: String, _ d: inout [String]) {
        guard a.count == b.count else {
            d.append("\(at): \(a.map(\.name)) vs \(b.map(\.name))")
            return
        }
        for (x, y) in zip(a, b) { value(x, y, at, &d) }
    }

    static func value(_ a: ValueInfo, _ b: ValueInfo, _ at: String, _ d: inout [String]) {
        if a.name != b.name || a.dtype != b.dtype || a.shape != b.shape || a.unsupportedType != b.unsupportedType {
            d.append("\(at): \(describe(a)) vs \(describe(b))")
        }
    }

    static func describe(_ v: ValueInfo) -> String {
        "'\(v.name)' \(v.dtype.map { "\($0)" } ?? "nil")\(v.shape.map { "\($0)" } ?? "[?]")\(v.unsupportedType.map { " (\($0))" } ?? "")"
    }

    static func tensor(_ a: Tensor, _ b: Tensor, _ at: String, _ d: inout [String]) {
        guard a.dtype == b.dtype, a.shape == b.shape else {
            d.append("\(at): \(a.dtype)\(a.shape) vs \(b.dtype)\(b.shape)")
            return
        }
        let same = a.plain().withUnsafeBytes { x in b.plain().withUnsafeBytes { y in x.elementsEqual(y) } }
        if !same { d.append("\(at): bytes differ") }
    }

    static func node(_ a: Node, _ b: Node, _ at: String, _ d: inout [String]) {
        if a.name != b.name || a.opType != b.opType || a.domain != b.domain {
            d.append("\(at): '\(a.name)' \(a.domain).\(a.opType) vs '\(b.name)' \(b.domain).\(b.opType)")
        }
        if a.inputs != b.inputs { d.append("\(at): inputs \(a.inputs) vs \(b.inputs)") }
        if a.outputs != b.outputs { d.append("\(at): outputs \(a.outputs) vs \(b.outputs)") }
        guard Set(a.attributes.keys) == Set(b.attributes.keys) else {
            d.append("\(at): attributes \(a.attributes.keys.sorted()) vs \(b.attributes.keys.sorted())")
            return
        }
        for k in a.attributes.keys.sorted() { attribute(a.attributes[k]!, b.attributes[k]!, "\(at) attribute '\(k)'", &d) }
    }

    static func attribute(_ a: Attribute, _ b: Attribute, _ at: String, _ d: inout [String]) {
        switch (a, b) {
        case let (.float(x), .float(y)): if x.bitPattern != y.bitPattern { d.append("\(at): \(x) vs \(y)") }
        case let (.int(x), .int(y)): if x != y { d.append("\(at): \(x) vs \(y)") }
        case let (.string(x), .string(y)): if x != y { d.append("\(at): '\(x)' vs '\(y)'") }
        case let (.floats(x), .floats(y)):
            if x.map(\.bitPattern) != y.map(\.bitPattern) { d.append("\(at): \(x) vs \(y)") }
        case let (.ints(x), .ints(y)): if x != y { d.append("\(at): \(x) vs \(y)") }
        case let (.strings(x), .strings(y)): if x != y { d.append("\(at): \(x) vs \(y)") }
        case let (.tensor(x), .tensor(y)): tensor(x, y, at, &d)
        case let (.tensors(x), .tensors(y)):
            guard x.count == y.count else { return d.append("\(at): \(x.count) vs \(y.count) tensors") }
            for (i, (p, q)) in zip(x, y).enumerated() { tensor(p, q, "\(at)[\(i)]", &d) }
        case let (.graph(x), .graph(y)): graph(x, y, at, &d)
        case let (.graphs(x), .graphs(y)):
            guard x.count == y.count else { return d.append("\(at): \(x.count) vs \(y.count) graphs") }
            for (i, (p, q)) in zip(x, y).enumerated() { graph(p, q, "\(at)[\(i)]", &d) }
        case let (.opaque(x), .opaque(y)): if x != y { d.append("\(at): opaque \(x) vs \(y)") }
        default: d.append("\(at): kind \(a.kindName) vs \(b.kindName)")
        }
    }
}
