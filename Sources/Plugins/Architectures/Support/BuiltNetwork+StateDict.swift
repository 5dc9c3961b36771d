import Runtime

extension BuiltNetwork {
    /// The network's parameters and buffers under their checkpoint names, in build order: what
    /// `build(weights:)` takes back (to save a trained network, or to rebuild it). The builder's
    /// own constants (named `<graph name>.<hint>.<n>` by `GraphBuilder`) are left out.
    public var stateDict: StateDict {
        let g = model.graph
        let constantPrefix = g.name + "."
        return StateDict(g.initializerOrder.filter { !$0.hasPrefix(constantPrefix) }.compactMap { name in
            g.initializers[name].map { (name, $0) }
        })
    }
}
