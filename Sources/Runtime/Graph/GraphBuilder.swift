/// Appends nodes to a graph with fresh value names, writing reductions the way the graph's
/// opset expects (axes as an attribute or, from ReduceSum@13 / the rest@18, as an input).
public struct GraphBuilder {
    public var graph: Graph
    public let opset: Int
    private let prefix: String
    private var counter = 0

    public init(_ graph: Graph, opset: Int, prefix: String = "b") {
        self.graph = graph
        self.opset = opset
        self.prefix = prefix
    }

    /// A fresh value name that does not clash with the graph's.
    public mutating func fresh(_ hint: String) -> String {
        counter += 1
        return "\(prefix).\(hint).\(counter)"
    }

    /// Adds one node; returns its (first) output.
    @discardableResult
    public mutating func add(_ op: String, _ inputs: [String], _ attributes: [String: Attribute] = [:], outputs: Int = 1) -> String {
        let outs = (0..<outputs).map { _ in fresh(op.lowercased()) }
        graph.nodes.append(Node(name: outs[0], opType: op, inputs: inputs, outputs: outs, attributes: attributes))
        return outs[0]
    }

    /// A constant as an initializer.
    public mutating func constant(_ t: Tensor, _ hint: String = "const") -> String {
        let name = fresh(hint)
        graph.setInitializer(name, t)
        return name
    }

    public mutating func scalar(_ v: Float) -> String { constant(Tensor(scalar: v), "scalar") }

    /// Reduce* over `axes` (nil: all) with keepdims.
    public mutating func reduce(_ op: String, _ x: String, axes: [Int]?, keepdims: Bool) -> String {
        var attrs: [String: Attribute] = ["keepdims": .int(keepdims ? 1 : 0)]
        let axesAsInput = opset >= 18 || (op == "ReduceSum" && opset >= 13)
        guard let axes else { return add(op, [x], attrs) }
        if axesAsInput {
            let a = constant(Tensor(shape: [axes.count], int64s: axes.map(Int64.init)), "axes")
            return add(op, [x, a], attrs)
        }
        attrs["axes"] = .ints(axes)
        return add(op, [x], attrs)
    }

    /// Marks `name` as a graph output.
    public mutating func output(_ name: String, dtype: DType? = .float32) {
        graph.outputs.append(ValueInfo(name: name, dtype: dtype, shape: nil))
    }
}
