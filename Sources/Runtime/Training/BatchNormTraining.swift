/// Puts a graph's BatchNormalization nodes into training mode: they normalise with the batch's
/// statistics, and their running statistics come out as new values that the trainer writes
/// back after each step (ONNX semantics: running = running · momentum + batch · (1 − momentum);
/// PyTorch's momentum m is ONNX's 1 − m). The inference graph is left untouched, so a trained
/// model is exported in inference form with the updated statistics.
public enum BatchNormTraining {
    public struct Result {
        public var graph: Graph
        /// New value → the running-statistic initializer it replaces after each step.
        public var updates: [String: String]
        /// The running-statistic initializers (state: kept as session parameters, not trained).
        public var statistics: [String] { updates.values.sorted() }
    }

    /// Rewrites every BatchNormalization whose running mean and variance are initializers.
    /// `momentum` nil keeps each node's own (ONNX default 0.9).
    public static func enable(_ graph: Graph, opset: Int, momentum: Float? = nil) -> Result {
        var g = graph
        var updates: [String: String] = [:]
        for i in g.nodes.indices where g.nodes[i].opType == "BatchNormalization" && g.nodes[i].domain.isEmpty {
            let n = g.nodes[i]
            guard n.inputs.count == 5, g.initializers[n.inputs[3]] != nil, g.initializers[n.inputs[4]] != nil else { continue }
            let base = n.outputs[0]
            let mean = "\(base).running_mean", variance = "\(base).running_var"
            // Before opset 14 extra outputs alone select training mode (and there are two more).
            g.nodes[i].outputs = [base, mean, variance]
            if opset >= 14 { g.nodes[i].attributes["training_mode"] = .int(1) }
            if let momentum { g.nodes[i].attributes["momentum"] = .float(momentum) }
            updates[mean] = n.inputs[3]
            updates[variance] = n.inputs[4]
        }
        return Result(graph: g, updates: updates)
    }
}
