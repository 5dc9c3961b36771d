/// Orders a graph's nodes so every value is produced before use, or explains why it cannot:
/// a dangling input (consumed, never produced) or a cycle.
public enum TopologicalOrder {
    public static func compute(_ graph: Graph, context: String = "graph") throws -> [Int] {
        var available = Set(graph.inputs.map(\.name)).union(graph.initializers.keys)
        available.insert("")
        var producer: [String: Int] = [:]
        for (i, n) in graph.nodes.enumerated() {
            for o in n.outputs where !o.isEmpty {
                if let p = producer[o] {
                    throw RuntimeError(.invalidGraph,
                        "\(context): value '\(o)' is produced twice, by \(graph.nodes[p].label) and \(n.label)")
                }
                producer[o] = i
            }
        }
        // Dangling inputs first: they are the clearer message.
        for n in graph.nodes {
            for inp in n.inputs where !available.contains(inp) && producer[inp] == nil {
                throw RuntimeError(.invalidGraph,
                    "\(context): node \(n.label) reads '\(inp)', which is not a graph input, an initializer, or any node's output (dangling input)")
            }
        }
        var indegree = [Int](repeating: 0, count: graph.nodes.count)
        var consumers: [Int: [Int]] = [:]
        for (i, n) in graph.nodes.enumerated() {
            for inp in Set(n.inputs) where !available.contains(inp) {
                if let p = producer[inp] {
                    indegree[i] += 1
                    consumers[p, default: []].append(i)
                }
            }
        }
        // Kahn's algorithm with a FIFO queue seeded in file order: stable and linear.
        var queue = (0..<graph.nodes.count).filter { indegree[$0] == 0 }
        var head = 0
        while head < queue.count {
            let i = queue[head]
            head += 1
            for c in consumers[i] ?? [] {
                indegree[c] -= 1
                if indegree[c] == 0 { queue.append(c) }
            }
        }
        let order = queue
        if order.count < graph.nodes.count {
            let stuck = (0..<graph.nodes.count).filter { indegree[$0] > 0 }.map { graph.nodes[$0].label }
            throw RuntimeError(.invalidGraph,
                "\(context): the graph has a cycle through \(stuck.count) node(s): \(stuck.prefix(5).joined(separator: ", "))")
        }
        for o in graph.outputs where !available.contains(o.name) && producer[o.name] == nil {
            throw RuntimeError(.invalidGraph, "\(context): graph output '\(o.name)' is never produced")
        }
        return order
    }
}
