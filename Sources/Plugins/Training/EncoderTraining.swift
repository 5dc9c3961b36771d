import Runtime

/// The graph that trains an encoder E to invert a frozen generator G on G's own samples:
/// z → G → x → E → ẑ, loss = latent distance(ẑ, z) [+ w · mse(G(ẑ), x)]. The batch is random z
/// only, so training data is unlimited and the true latent of every image is known. G's
/// weights are constants (fused and folded on oneDNN); E's are parameters and its batch norms
/// run in training mode with running statistics written back (`BatchNormTraining`).
public struct EncoderTraining {
    public enum LatentLoss: String, CaseIterable {
        /// mean (ẑ − z)²
        case mse
        /// mean over positions of 1 − cos(ẑ, z) across channels (the original code's encoder loss).
        case cosine
    }

    /// The training graph: one input (`latentInput`), scalar output `loss`.
    public let model: Model
    public let latentInput: String
    public let loss: String
    /// The encoder's parameters (trained).
    public let trainable: [String]
    /// Batch-norm running statistics: computed value → parameter (see `Trainer.Options.stateUpdates`).
    public let stateUpdates: [String: String]
    /// The encoder in inference form; export it with the session's current parameters.
    public let encoder: Model
    /// The latent's shape without the batch.
    public let latentShape: [Int]

    /// The generator's latent shape without the batch; its only input must have a fixed one.
    public static func latentShape(of generator: Model) throws -> [Int] {
        let g = generator.graph
        guard g.runtimeInputs.count == 1, let zInfo = g.runtimeInputs.first, let zDims = zInfo.shape,
              zDims.dropFirst().allSatisfy({ $0.value != nil }) else {
            throw RuntimeError(.badInput, "\(generator.sourcePath ?? "generator"): expected one latent input with a fixed shape apart from the batch, got \(g.runtimeInputs.map { "\($0.name)\($0.shapeDescription)" })")
        }
        return zDims.dropFirst().map { $0.value! }
    }

    public init(generator: Model, encoder built: BuiltNetwork, latentLoss: LatentLoss = .mse, imageWeight: Float = 0) throws {
        let g = generator.graph
        latentShape = try Self.latentShape(of: generator)
        let zInfo = g.runtimeInputs[0]
        guard let image = g.outputs.first?.name else { throw RuntimeError(.badInput, "the generator declares no outputs") }
        guard built.inputs.count == 1, let encoderInput = built.inputs.first, let encoderOutput = built.outputs.first else {
            throw RuntimeError(.badInput, "the encoder must have one input and an output")
        }
        let zName = "z"
        latentInput = zName

        let training = BatchNormTraining.enable(built.model.graph, opset: built.model.opset)
        var eg = training.graph
        eg.inputs.removeAll { $0.name == encoderInput }
        eg.inputs.append(ValueInfo(name: zName, dtype: .float32, shape: [.symbolic("N")] + latentShape.map(Dim.fixed)))
        eg.outputs = []
        var b = GraphBuilder(eg, opset: max(built.model.opset, generator.opset), prefix: "train")
        let x = Losses.inline(&b, g, input: zInfo.name, feeding: zName, tag: "G")[image]!
        for i in b.graph.nodes.indices {
            b.graph.nodes[i].inputs = b.graph.nodes[i].inputs.map { $0 == encoderInput ? x : $0 }
        }
        // ẑ in z's shape (the encoder may give (N, nz, 1, 1) for a flat (N, nz) latent or vice versa).
        let zHat = b.add("Reshape", [encoderOutput, b.add("Shape", [zName])])
        var terms: [(loss: String, weight: Float)] = []
        switch latentLoss {
        case .mse: terms.append((Losses.mse(&b, zHat, zName), 1))
        case .cosine: terms.append((Losses.cosineDistance(&b, zHat, zName), 1))
        }
        if imageWeight > 0 {
            let xHat = Losses.inline(&b, g, input: zInfo.name, feeding: zHat, tag: "GE", weights: "G")[image]!
            terms.append((Losses.mse(&b, xHat, x), imageWeight))
        }
        loss = Losses.weightedSum(&b, terms)
        b.output(loss)
        var m = Model(graph: b.graph, opsetImports: generator.opsetImports.merging(built.model.opsetImports) { max($0, $1) })
        m.opsetImports[""] = b.opset
        model = m
        stateUpdates = training.updates
        let statistics = Set(training.updates.values)
        trainable = built.report.parameters.filter { !statistics.contains($0) }
        encoder = built.model
    }
}
