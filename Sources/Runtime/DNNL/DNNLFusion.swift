import Foundation

/// The oneDNN backend's graph rewrites around Conv and ConvTranspose:
///  1. fold a following BatchNormalization with initializer parameters into the weights and
///     bias (new initializers "<W>_bn" / "<name>_bn_bias");
///  2. absorb a following activation (Relu, LeakyRelu, Tanh, Sigmoid, Elu, HardSwish, Clip
///     with constant bounds) as an eltwise post-op;
///  3. absorb a following Add of another value Z as a sum post-op (Z becomes input 3).
/// (2) and (3) produce `FusedConv`/`FusedConvTranspose` nodes (see `FusedConv`). A value is
/// only fused away when its sole reader is the absorbed node and it is neither a graph
/// output nor read from a subgraph; the absorbed node's output name becomes the
/// convolution's, so every remaining value keeps its name. Only convolutions whose weights
/// are float32 initializers are rewritten (that fixes their element type and rank).
struct DNNLFusion {
    private var graph: Graph
    private let opset: Int
    /// Graph nodes; nil once absorbed.
    private var nodes: [Node?]
    /// value → indices of the nodes reading it (once per read).
    private var readers: [String: [Int]] = [:]
    /// Values that must keep existing: graph outputs and values read by subgraphs.
    private var pinned: Set<String>
    /// Declared graph inputs: an initializer listed there can be overridden by a feed.
    private let declaredInputs: Set<String>
    /// Every value name in use, so new initializers get fresh ones.
    private var names: Set<String>

    static func optimize(_ graph: Graph, opset: Int) -> Graph {
        var f = DNNLFusion(graph, opset: opset)
        f.run()
        return f.graph
    }

    private init(_ graph: Graph, opset: Int) {
        self.graph = graph
        self.opset = opset
        nodes = graph.nodes
        pinned = Set(graph.outputs.map(\.name))
        declaredInputs = Set(graph.inputs.map(\.name))
        names = declaredInputs.union(graph.initializers.keys).union(graph.nodes.flatMap { $0.inputs + $0.outputs })
        for (i, n) in graph.nodes.enumerated() {
            for v in n.inputs where !v.isEmpty { readers[v, default: []].append(i) }
            DNNLFusion.collectSubgraphReads(n, into: &pinned)
        }
    }

    private static func collectSubgraphReads(_ n: Node, into set: inout Set<String>) {
        for a in n.attributes.values {
            let gs: [Graph]
            switch a {
            case .graph(let g): gs = [g]
            case .graphs(let l): gs = l
            default: continue
            }
            for g in gs {
                for sn in g.nodes {
                    set.formUnion(sn.inputs)
                    collectSubgraphReads(sn, into: &set)
                }
                set.formUnion(g.outputs.map(\.name))
            }
        }
    }

    private mutating func run() {
        var replaced: Set<String> = []
        for i in nodes.indices {
            guard let n = nodes[i], isFusableConvolution(n) else { continue }
            while absorbNext(i, replaced: &replaced) {}
        }
        graph.nodes = nodes.compactMap { $0 }
        // Drop initializers that folding made unused.
        let used = Set(graph.nodes.flatMap(\.inputs)).union(pinned).union(declaredInputs)
        for name in replaced where !used.contains(name) {
            graph.initializers[name] = nil
            graph.initializerOrder.removeAll { $0 == name }
        }
    }

    private func isFusableConvolution(_ n: Node) -> Bool {
        guard n.domain.isEmpty, n.opType == "Conv" || n.opType == "ConvTranspose",
              n.outputs.count == 1, n.inputs.count >= 2, let w = constant(n.inputs[1]) else { return false }
        return w.dtype == .float32 && (3...5).contains(w.rank)
    }

    /// An initializer no feed can override.
    private func constant(_ name: String) -> Tensor? {
        declaredInputs.contains(name) ? nil : graph.initializers[name]
    }

    /// Absorbs the sole reader of convolution `i`'s output if possible.
    private mutating func absorbNext(_ i: Int, replaced: inout Set<String>) -> Bool {
        guard let conv = nodes[i], let y = conv.outputs.first, !pinned.contains(y),
              let rs = readers[y], rs.count == 1, let next = nodes[rs[0]], next.domain.isEmpty,
              next.outputs.first.map({ !$0.isEmpty }) ?? false else { return false }
        let ops = FusedConv.postOps(conv)
        var fused: Node
        switch next.opType {
        case "BatchNormalization" where ops.isEmpty && next.inputs.first == y:
            guard let folded = foldBatchNorm(conv, next, replaced: &replaced) else { return false }
            fused = folded
        case let op where FusedConv.activations.contains(op) && next.inputs.first == y:
            guard let p = activationParameters(next) else { return false }
            fused = FusedConv.with(conv, postOps: ops + [FusedConv.PostOp(op: op, alpha: p.0, beta: p.1)])
        case "Add" where next.inputs.count == 2 && !ops.contains(where: { $0.op == "Add" }):
            guard let z = next.inputs.first(where: { $0 != y }), !z.isEmpty else { return false }
            fused = FusedConv.with(conv, postOps: ops + [FusedConv.PostOp(op: "Add", alpha: 0, beta: 0)])
            fused.inputs = Array((fused.inputs + ["", ""]).prefix(3)) + [z]
            readers[z, default: []].removeAll { $0 == rs[0] }
            readers[z, default: []].append(i)
        default:
            return false
        }
        fused.outputs = [next.outputs[0]]
        nodes[i] = fused
        nodes[rs[0]] = nil
        readers[y] = nil
        return true
    }

    /// ONNX parameters of an activation (see `FusedConv`), nil when Clip's bounds are not
    /// constant or crossed.
    private func activationParameters(_ n: Node) -> (Float, Float)? {
        guard n.opType == "Clip" else { return DNNLEltwise.attributeParameters(n, opset: opset) }
        guard opset >= 11 else {
            let p = DNNLEltwise.attributeParameters(n, opset: opset)
            return p.0 <= p.1 ? p : nil
        }
        func bound(_ i: Int) -> Tensor?? {
            guard i < n.inputs.count, !n.inputs[i].isEmpty else { return .some(nil) }
            return constant(n.inputs[i]).map { .some($0) }
        }
        guard let lo = bound(1), let hi = bound(2),
              let p = DNNLEltwise.clipBounds(min: lo, max: hi), p.0 <= p.1 else { return nil }
        return p
    }

    /// `conv` with BatchNormalization `bn` folded in: W'[o] = W[o]·s[o], B' = (B - mean)·s + shift
    /// with s = scale / sqrt(var + epsilon).
    private mutating func foldBatchNorm(_ conv: Node, _ bn: Node, replaced: inout Set<String>) -> Node? {
        guard DNNLBatchNormKernel.supports(bn, opset: opset), bn.inputs.count == 5,
              let w = constant(conv.inputs[1]) else { return nil }
        let params = bn.inputs[1...].map { constant($0) }
        let biasName = conv.inputs.count > 2 ? conv.inputs[2] : ""
        let bias = biasName.isEmpty ? nil : constant(biasName)
        if !biasName.isEmpty && bias == nil { return nil }
        let transposed = conv.opType == "ConvTranspose"
        let group = conv.int("group", default: 1)
        guard group >= 1, w.shape[0] % group == 0 else { return nil }
        let m = transposed ? w.shape[1] * group : w.shape[0]
        guard params.allSatisfy({ $0?.dtype == .float32 && $0?.count == m }),
              bias.map({ $0.dtype == .float32 && $0.count == m }) ?? true else { return nil }
        let p = params.map { $0!.toArray(Float.self) }
        let eps = Double(bn.float("epsilon", default: 1e-5))
        let s = (0..<m).map { Double(p[0][$0]) / (Double(p[3][$0]) + eps).squareRoot() }
        let b0 = bias?.toArray(Float.self) ?? [Float](repeating: 0, count: m)
        let newBias = (0..<m).map { Float((Double(b0[$0]) - Double(p[2][$0])) * s[$0] + Double(p[1][$0])) }

        var nw = w.plain()
        let k = w.shape[2...].reduce(1, *)
        nw.withUnsafeMutableBufferPointer(as: Float.self) { wp in
            if transposed {
                // [C, M/group, k…]: input channel c of group c / (C/group) feeds outputs
                // group·(M/group) + j.
                let (c, mg) = (w.shape[0], w.shape[1])
                for ci in 0..<c {
                    let g = ci / (c / group)
                    for j in 0..<mg {
                        let f = Float(s[g * mg + j]), base = (ci * mg + j) * k
                        for t in 0..<k { wp[base + t] *= f }
                    }
                }
            } else {
                let per = w.count / m
                for o in 0..<m {
                    let f = Float(s[o])
                    for t in 0..<per { wp[o * per + t] *= f }
                }
            }
        }
        let wName = uniqueName(conv.inputs[1] + "_bn")
        graph.setInitializer(wName, nw)
        let bName = uniqueName((conv.name.isEmpty ? conv.outputs[0] : conv.name) + "_bn_bias")
        graph.setInitializer(bName, Tensor(shape: [m], floats: newBias))
        replaced.formUnion(bn.inputs[1...])
        replaced.insert(conv.inputs[1])
        if !biasName.isEmpty { replaced.insert(biasName) }

        var n = conv
        n.inputs = [conv.inputs[0], wName, bName]
        return n
    }

    private mutating func uniqueName(_ base: String) -> String {
        var name = base, i = 1
        while names.contains(name) {
            name = "\(base)_\(i)"
            i += 1
        }
        names.insert(name)
        return name
    }
}
