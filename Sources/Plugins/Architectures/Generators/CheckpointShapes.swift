import Runtime

/// Shape checks shared by the configuration readers.
enum CheckpointShapes {
    /// The shape of `name`, which must be present with `rank` dimensions.
    static func shape(_ weights: StateDict, _ name: String, rank: Int, _ architecture: String) throws -> [Int] {
        guard let t = weights[name] else {
            throw RuntimeError.invalid("\(architecture): the checkpoint has no '\(name)' (it has \(sample(weights)))")
        }
        guard t.rank == rank else {
            throw RuntimeError.invalid("\(architecture): '\(name)' should have \(rank) dimensions, got shape \(t.shape)")
        }
        return t.shape
    }

    /// The first few names of a checkpoint, for error messages.
    static func sample(_ weights: StateDict) -> String {
        if weights.isEmpty { return "no tensors" }
        let head = weights.names.prefix(6).joined(separator: ", ")
        return weights.count > 6 ? "\(weights.count) tensors: \(head), …" : head
    }
}
