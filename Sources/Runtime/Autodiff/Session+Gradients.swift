import Foundation

/// Reverse-mode differentiation over the executed plan: a forward run that keeps the values
/// backward rules read, then one VJP rule per node in reverse order.
extension Session {
    public struct GradientResult {
        /// The differentiated output's value.
        public var value: Tensor
        /// d sum(output ⊙ cotangent) / d name, for each requested name (shape of that value).
        public var gradients: [String: Tensor]
        /// The values asked for with `collecting:` from the same forward run.
        public var values: [String: Tensor] = [:]
    }

    /// Gradients of sum(`output` ⊙ `cotangent`) (cotangent defaults to ones) with respect to
    /// graph inputs or parameters named in `wrt`. `collecting` names further values to return
    /// from the same forward run (e.g. updated batch-norm running statistics).
    public func gradients(_ feeds: [String: Tensor], of output: String, wrt: [String],
                          cotangent: Tensor? = nil, collecting: [String] = []) throws -> GradientResult {
        let nodes = order.map { graph.nodes[$0] }
        let known = Set(graph.inputs.map(\.name))
        for name in wrt where !known.contains(name) {
            throw RuntimeError(.badInput, "\(sourceName): cannot differentiate with respect to '\(name)': it is not a graph input or a parameter (parameters: \(parameters.keys.sorted().joined(separator: ", ")))")
        }
        // Values that depend on a wrt variable (forward) and nodes that lead to the output (backward).
        var depends = Set(wrt)
        for n in nodes where n.inputs.contains(where: { depends.contains($0) }) {
            for o in n.outputs where !o.isEmpty { depends.insert(o) }
        }
        guard depends.contains(output) || wrt.contains(output) else {
            throw RuntimeError(.badInput, "\(sourceName): '\(output)' does not depend on \(wrt.map { "'\($0)'" }.joined(separator: ", "))")
        }
        var reaches: Set<String> = [output]
        var onPath = [Bool](repeating: false, count: nodes.count)
        for step in stride(from: nodes.count - 1, through: 0, by: -1) {
            let n = nodes[step]
            guard n.outputs.contains(where: { reaches.contains($0) }),
                  n.inputs.contains(where: { depends.contains($0) }) else { continue }
            onPath[step] = true
            for i in n.inputs where depends.contains(i) { reaches.insert(i) }
        }
        // Keep what the rules on the path read: their inputs and outputs.
        var retain = Set<String>()
        for (step, n) in nodes.enumerated() where onPath[step] {
            for v in n.inputs + n.outputs where !v.isEmpty { retain.insert(v) }
        }
        let values = try forward(feeds, outputs: [output] + collecting, retaining: retain)
        let y = values[output]!
        let seed: Tensor
        if let c = cotangent {
            guard c.shape == y.shape, c.dtype == y.dtype else {
                throw RuntimeError(.badInput, "\(sourceName): cotangent must be \(y.dtype)\(y.shape) like '\(output)', got \(c.dtype)\(c.shape)")
            }
            seed = c.plain()
        } else {
            seed = GradientMath.ones(like: y)
        }

        var grads: [String: Tensor] = [output: seed]
        for step in stride(from: nodes.count - 1, through: 0, by: -1) where onPath[step] {
            let n = nodes[step]
            let outGrads = n.outputs.map { $0.isEmpty ? nil : grads[$0] }
            if outGrads.allSatisfy({ $0 == nil }) { continue }
            let reference = registry.vjp(domain: n.domain, type: n.opType)
            guard let rule = (backend as? GradientBackend)?.vjp(for: n, opset: opsets[step], reference: reference) ?? reference else {
                let why = registry.nonDifferentiableReason(domain: n.domain, type: n.opType).map { "is not differentiable: \($0)" }
                    ?? "has no gradient rule yet"
                throw RuntimeError(.unsupportedOp, "\(sourceName): node \(n.label): \(OpKey(n.domain, n.opType)) \(why)")
            }
            let ins = n.inputs.map { $0.isEmpty ? nil : values[$0] }
            let ctx = VJPContext(node: n, opset: opsets[step], inputs: ins, outputs: n.outputs.map { values[$0] },
                                 outputGrads: outGrads, needsGrad: n.inputs.map { reaches.contains($0) }, pool: pool)
            let inGrads: [Tensor?]
            do {
                let t0 = profiling ? DispatchTime.now().uptimeNanoseconds : 0
                inGrads = try rule(ctx)
                if profiling {
                    profile["backward " + n.opType, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                }
            } catch let e as RuntimeError {
                throw RuntimeError(e.kind, "\(sourceName): gradient of node \(n.label): \(e.message)")
            }
            for (i, name) in n.inputs.enumerated() where i < inGrads.count && reaches.contains(name) {
                guard let g = inGrads[i], let x = ins[i] else { continue }
                let reduced = try GradientMath.sum(g, toShape: x.shape)
                grads[name] = try grads[name].map { try GradientMath.add($0, reduced) } ?? reduced
            }
        }
        var result: [String: Tensor] = [:]
        for name in wrt {
            if let g = grads[name] { result[name] = g; continue }
            // No path from this variable to the output: its gradient is zero.
            let x = feeds[name] ?? parameters[name]!
            result[name] = Tensor(zeros: x.shape, dtype: x.dtype)
        }
        var collected: [String: Tensor] = [:]
        for name in collecting { collected[name] = values[name]?.plain() }
        return GradientResult(value: y, gradients: result, values: collected)
    }
}
