import Runtime

extension BuiltNetwork {
    /// The network's parameters and buffers under their checkpoint names, in build order
    /// (`report.parameters`): what `build(weights:)` takes back, to save a trained network or
    /// rebuild it. The builder's fixed constants are left out.
    public var stateDict: StateDict {
        let g = model.graph
        return StateDict(report.parameters.compactMap { name in g.initializers[name].map { (name, $0) } })
    }
}
