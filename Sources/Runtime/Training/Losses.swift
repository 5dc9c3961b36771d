/// Losses written as graph nodes, so that the autodiff engine differentiates them like any
/// other op. Each returns the name of a scalar value.
public enum Losses {
    /// mean |x − y|
    public static func l1(_ b: inout GraphBuilder, _ x: String, _ y: String) -> String {
        b.reduce("ReduceMean", b.add("Abs", [b.add("Sub", [x, y])]), axes: nil, keepdims: false)
    }

    /// mean (x − y)²
    public static func mse(_ b: inout GraphBuilder, _ x: String, _ y: String) -> String {
        let d = b.add("Sub", [x, y])
        return b.reduce("ReduceMean", b.add("Mul", [d, d]), axes: nil, keepdims: false)
    }

    /// mean over positions of 1 − cos(x, y) along `axis` (channels): the original code's encoder
    /// loss. Like torch's cosine_similarity, the norm product is clamped below by `eps`.
    public static func cosineDistance(_ b: inout GraphBuilder, _ x: String, _ y: String, axis: Int = 1, eps: Float = 1e-8) -> String {
        let dot = b.reduce("ReduceSum", b.add("Mul", [x, y]), axes: [axis], keepdims: false)
        let nx = b.add("Sqrt", [b.reduce("ReduceSum", b.add("Mul", [x, x]), axes: [axis], keepdims: false)])
        let ny = b.add("Sqrt", [b.reduce("ReduceSum", b.add("Mul", [y, y]), axes: [axis], keepdims: false)])
        let denom = b.add("Max", [b.add("Mul", [nx, ny]), b.scalar(eps)])
        let cos = b.add("Div", [dot, denom])
        return b.reduce("ReduceMean", b.add("Sub", [b.scalar(1), cos]), axes: nil, keepdims: false)
    }

    /// Σ wᵢ·lossᵢ
    public static func weightedSum(_ b: inout GraphBuilder, _ terms: [(loss: String, weight: Float)]) -> String {
        precondition(!terms.isEmpty, "weightedSum needs at least one term")
        let scaled = terms.map { t in t.weight == 1 ? t.loss : b.add("Mul", [t.loss, b.scalar(t.weight)]) }
        return scaled.dropFirst().reduce(scaled[0]) { b.add("Add", [$0, $1]) }
    }

    /// Σ over `layers` of L1 (or MSE) between the features of x and y through `features`
    /// (a feature network's graph with one input), inlined twice with renamed values.
    public static func perceptual(_ b: inout GraphBuilder, features: Graph, layers: [String], _ x: String, _ y: String,
                                  distance: (inout GraphBuilder, String, String) -> String = l1) throws -> String {
        guard features.runtimeInputs.count == 1, let input = features.runtimeInputs.first else {
            throw RuntimeError(.invalidGraph, "a feature network must have exactly one input, got \(features.runtimeInputs.map(\.name))")
        }
        let cut = try GraphSurgery.prefix(features, upTo: layers)
        // Both copies read one set of weights.
        let fx = inline(&b, cut, input: input.name, feeding: x, tag: "fx", weights: "features")
        let fy = inline(&b, cut, input: input.name, feeding: y, tag: "fy", weights: "features")
        let terms = layers.map { (loss: distance(&b, fx[$0]!, fy[$0]!), weight: Float(1)) }
        return weightedSum(&b, terms)
    }

    /// Copies `g`'s nodes and initializers into `b` with values renamed `tag/…`, reading
    /// `feeding` where `g` reads `input`. Initializers are named `weights/…` (default: `tag`), so
    /// copies of one graph inlined with the same `weights` share them. Returns the new names of
    /// g's values.
    public static func inline(_ b: inout GraphBuilder, _ g: Graph, input: String, feeding: String, tag: String,
                              weights: String? = nil) -> [String: String] {
        var rename: [String: String] = [input: feeding]
        for (k, t) in g.initializers {
            let name = "\(weights ?? tag)/\(k)"
            if b.graph.initializers[name] == nil { b.graph.setInitializer(name, t) }
            rename[k] = name
        }
        for n in g.nodes {
            var m = n
            m.name = "\(tag)/\(n.name)"
            m.inputs = n.inputs.map { $0.isEmpty ? "" : (rename[$0] ?? $0) }
            m.outputs = n.outputs.map { o in
                guard !o.isEmpty else { return "" }
                let r = "\(tag)/\(o)"
                rename[o] = r
                return r
            }
            b.graph.nodes.append(m)
        }
        return rename
    }
}
