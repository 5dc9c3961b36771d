/// Cutting a graph at named tensors and inserting perturbations: how layer inversion writes
/// G = G_f ∘ g_n ∘ … ∘ g_1 for any generator whose layer outputs are named.
public enum GraphSurgery {
    /// The subgraph computing `cut` from the graph's inputs: outputs are exactly `cut`; only
    /// the nodes and initializers they need are kept.
    public static func prefix(_ graph: Graph, upTo cut: [String]) throws -> Graph {
        try requireProduced(graph, cut)
        let needed = neededNodes(graph, for: cut, stoppingAt: [])
        var g = restricted(graph, to: needed)
        let used = usedValues(g)
        g.inputs = graph.inputs.filter { used.contains($0.name) && graph.initializers[$0.name] == nil }
        g.outputs = cut.map { valueInfo(graph, $0) }
        g.name = graph.name + ".prefix"
        return g
    }

    /// The subgraph from `cut` to the graph's outputs (or `outputs`): the cut tensors become
    /// its inputs, typed by `types` (else by the graph's value_info). Fails, naming the value,
    /// when an output still needs a graph input that the cut does not separate.
    public static func suffix(_ graph: Graph, from cut: [String], outputs: [String]? = nil,
                              types: [String: ValueInfo] = [:]) throws -> Graph {
        try requireProduced(graph, cut)
        let outs = outputs ?? graph.outputs.map(\.name)
        let needed = neededNodes(graph, for: outs, stoppingAt: Set(cut))
        var g = restricted(graph, to: needed)
        let produced = Set(g.nodes.flatMap(\.outputs)).union(cut).union(g.initializers.keys)
        for name in usedValues(g).union(outs) where !produced.contains(name) {
            throw RuntimeError(.invalidGraph,
                "the cut at \(cut.map { "'\($0)'" }.joined(separator: ", ")) does not separate the graph: '\(name)' is still needed by the part after it")
        }
        g.inputs = cut.map { types[$0] ?? valueInfo(graph, $0) }
        g.outputs = outs.map { valueInfo(graph, $0) }
        g.name = graph.name + ".suffix"
        return g
    }

    /// Adds a zero-initialised perturbation δ (an initializer named `<name>.delta`, shape
    /// `shape`, broadcast against the tensor) to the value `name`: every consumer (and a graph
    /// output of that name) then reads `name + δ`. Returns the graph and δ's name, which a
    /// `Session` can treat as a parameter.
    public static func perturb(_ graph: Graph, at name: String, shape: [Int], dtype: DType = .float32) throws -> (graph: Graph, delta: String) {
        try requireProduced(graph, [name], allowInputs: true)
        let delta = name + ".delta", sum = name + ".perturbed"
        guard graph.initializers[delta] == nil, !graph.nodes.contains(where: { $0.outputs.contains(sum) }) else {
            throw RuntimeError(.invalidGraph, "'\(name)' is already perturbed")
        }
        var g = graph
        for i in g.nodes.indices {
            g.nodes[i].inputs = g.nodes[i].inputs.map { $0 == name ? sum : $0 }
        }
        let add = Node(name: sum, opType: "Add", inputs: [name, delta], outputs: [sum])
        // Insert right after the producer so file order stays topological.
        let at = (g.nodes.firstIndex { $0.outputs.contains(name) }).map { $0 + 1 } ?? 0
        g.nodes.insert(add, at: at)
        g.outputs = g.outputs.map { $0.name == name ? ValueInfo(name: sum, dtype: $0.dtype, shape: $0.shape) : $0 }
        g.setInitializer(delta, Tensor(zeros: shape, dtype: dtype))
        return (g, delta)
    }

    // MARK: helpers

    static func requireProduced(_ graph: Graph, _ names: [String], allowInputs: Bool = false) throws {
        let produced = Set(graph.nodes.flatMap(\.outputs))
        let inputs = Set(graph.inputs.map(\.name))
        for n in names where !produced.contains(n) && !(allowInputs && inputs.contains(n)) {
            throw RuntimeError(.invalidGraph, "no node produces '\(n)'" + (inputs.contains(n) ? " (it is a graph input)" : ""))
        }
    }

    /// Indices (in file order) of the nodes needed to compute `targets`, not looking past `stops`.
    static func neededNodes(_ graph: Graph, for targets: [String], stoppingAt stops: Set<String>) -> [Int] {
        var producer: [String: Int] = [:]
        for (i, n) in graph.nodes.enumerated() { for o in n.outputs where !o.isEmpty { producer[o] = i } }
        var needed = Set<Int>()
        var stack = targets.filter { !stops.contains($0) }
        var seen = Set(stack)
        while let v = stack.popLast() {
            guard let p = producer[v], needed.insert(p).inserted else { continue }
            for i in graph.nodes[p].inputs where !i.isEmpty && !stops.contains(i) && seen.insert(i).inserted {
                stack.append(i)
            }
        }
        return needed.sorted()
    }

    static func restricted(_ graph: Graph, to nodes: [Int]) -> Graph {
        var g = graph
        g.nodes = nodes.map { graph.nodes[$0] }
        let used = usedValues(g)
        g.initializers = graph.initializers.filter { used.contains($0.key) }
        g.initializerOrder = graph.initializerOrder.filter { used.contains($0) }
        g.valueInfo = graph.valueInfo.filter { used.contains($0.key) }
        return g
    }

    static func usedValues(_ g: Graph) -> Set<String> {
        Set(g.nodes.flatMap(\.inputs).filter { !$0.isEmpty })
    }

    static func valueInfo(_ graph: Graph, _ name: String) -> ValueInfo {
        graph.valueInfo[name] ?? graph.outputs.first { $0.name == name } ?? graph.inputs.first { $0.name == name }
            ?? ValueInfo(name: name, dtype: nil, shape: nil)
    }
}
