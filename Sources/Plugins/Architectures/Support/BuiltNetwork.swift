import Runtime

/// What an architecture builder returns: the graph with its weights bound, how the checkpoint
/// matched, and the names a plugin needs to drive it.
public struct BuiltNetwork {
    public var model: Model
    public var report: WeightReport
    /// Runtime inputs in order (a generator's latent first).
    public var inputs: [String]
    /// Graph outputs in order (a generator's image first).
    public var outputs: [String]
    /// Named intermediate values, in graph order: layer-inversion cut points of a generator
    /// (`layer1`…), feature layers of a feature net (`relu4_2`…), stages of an encoder.
    public var namedLayers: [String]

    public init(model: Model, report: WeightReport, inputs: [String], outputs: [String], namedLayers: [String]) {
        self.model = model
        self.report = report
        self.inputs = inputs
        self.outputs = outputs
        self.namedLayers = namedLayers
    }
}
