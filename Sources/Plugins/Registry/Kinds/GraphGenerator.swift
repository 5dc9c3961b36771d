import Runtime

/// A generator given by its graph and interface (built in Swift or loaded from ONNX). Sessions
/// for the whole graph and for each cut are made on first use and kept.
public final class GraphGenerator: Generator {
    public let plugin: PluginModel
    public let latent: Port
    public let image: Port
    public let backend: BackendKind
    private var sessions: [String: Session] = [:]
    private var cachedLayerShapes: [String: [Int]]?

    public init(_ plugin: PluginModel, backend: BackendKind = .dnnl) throws {
        let p = plugin.withPublicLayerNames()
        guard p.interface.kind == .generator, let z = p.interface.input(.latent), let x = p.interface.output(.image) else {
            throw PluginError(.invalidRequest, "'\(plugin.id)' is a \(plugin.interface.kind), not a generator with a latent input and an image output")
        }
        self.plugin = p
        latent = z
        image = x
        self.backend = backend
    }

    public var id: String { plugin.id }
    public var model: Model { plugin.model }
    public var layers: [String] { plugin.interface.layerNames }
    public var defaultCut: String? { plugin.interface.defaultLayer }
    public var latentShape: [Int] { latent.perSampleShape ?? [] }

    public func sampleLatents(_ n: Int, seed: UInt64) -> Tensor {
        var stream = latentStream(seed: seed)
        return stream.next(n)
    }

    /// The latents of `sampleLatents(_:seed:)` a batch at a time: the i-th latent drawn is the
    /// i-th of `sampleLatents(n, seed:)` for every n, and skipping `k` equals drawing them.
    public func latentStream(seed: UInt64) -> LatentStream {
        LatentStream(shape: latentShape, distribution: latent.distribution ?? .normal, seed: seed)
    }

    public func generate(_ z: Tensor) throws -> Tensor {
        try checkLatent(z)
        return try output(of: session("", { self.model }).run([latent.name: z], outputs: [image.name]), image.name)
    }

    public func run(_ z: Tensor, to layer: String) throws -> Tensor {
        try checkLayers([layer])
        try checkLatent(z)
        let s = try session("to:" + layer) { try self.prefix(upTo: [layer]) }
        return try output(of: s.run([latent.name: z], outputs: [layer]), layer)
    }

    public func run(from values: [String: Tensor]) throws -> Tensor {
        let cut = values.keys.sorted()
        try checkLayers(cut)
        let s = try session("from:" + cut.joined(separator: ",")) { try self.suffix(from: cut) }
        return try output(of: s.run(values, outputs: [image.name]), image.name)
    }

    public func prefix(upTo layers: [String]) throws -> Model {
        try checkLayers(layers)
        var m = model
        m.graph = try GraphSurgery.prefix(model.graph, upTo: layers)
        return m
    }

    public func suffix(from layers: [String]) throws -> Model {
        try checkLayers(layers)
        let shapes = try layerShapes()
        var types: [String: ValueInfo] = [:]
        for l in layers {
            guard let shape = shapes[l] else { throw PluginError(.verification, "generator '\(id)': layer '\(l)' was not computed") }
            types[l] = ValueInfo(name: l, dtype: .float32, shape: [.symbolic("N")] + shape.map(Dim.fixed))
        }
        var m = model
        do {
            m.graph = try GraphSurgery.suffix(model.graph, from: layers, outputs: [image.name], types: types)
        } catch let e as RuntimeError {
            throw PluginError(.invalidRequest, "generator '\(id)': \(e.message)")
        }
        return m
    }

    /// Per-sample shapes of the named layers, from one batch-1 run.
    public func layerShapes() throws -> [String: [Int]] {
        if cachedLayerShapes == nil {
            var shapes: [String: [Int]] = [:]
            if !layers.isEmpty {
                let probe = try Session(model: prefix(upTo: layers), backend: backend)
                let out = try probe.run([latent.name: Tensor(zeros: [1] + latentShape)], outputs: layers)
                for (k, v) in out { shapes[k] = Array(v.shape.dropFirst()) }
            }
            cachedLayerShapes = shapes
        }
        return cachedLayerShapes ?? [:]
    }

    private func session(_ key: String, _ make: () throws -> Model) throws -> Session {
        if let s = sessions[key] { return s }
        let s = try Session(model: make(), backend: backend)
        sessions[key] = s
        return s
    }

    private func checkLayers(_ names: [String]) throws {
        guard !names.isEmpty else { throw PluginError(.invalidRequest, "generator '\(id)': no layer given") }
        for n in names where !layers.contains(n) {
            throw PluginError(.invalidRequest, "generator '\(id)' has no layer '\(n)'; layers: \(layers.isEmpty ? "none" : layers.joined(separator: ", "))")
        }
    }

    private func checkLatent(_ z: Tensor) throws {
        guard z.rank == latentShape.count + 1, Array(z.shape.dropFirst()) == latentShape else {
            throw PluginError(.invalidRequest, "generator '\(id)': latent '\(latent.name)' must be [N] + \(latentShape), got \(z.shape)")
        }
    }

    private func output(of values: [String: Tensor], _ name: String) throws -> Tensor {
        guard let t = values[name] else { throw PluginError(.verification, "generator '\(id)' produced no '\(name)'") }
        return t
    }
}

/// One seeded stream of latents (see `GraphGenerator.latentStream`), so a shard can start at
/// latent k without holding the k before it.
public struct LatentStream {
    public let shape: [Int]
    public let distribution: LatentDistribution
    private var rng: SeededRandom

    init(shape: [Int], distribution: LatentDistribution, seed: UInt64) {
        self.shape = shape
        self.distribution = distribution
        rng = SeededRandom(seed: seed)
    }

    /// The next `n` latents, [n] + shape.
    public mutating func next(_ n: Int) -> Tensor {
        var t = Tensor(zeros: [n] + shape)
        t.withUnsafeMutableBufferPointer(as: Float.self) { p in
            switch distribution {
            case .normal: for i in p.indices { p[i] = Float(rng.normal()) }
            case .uniform: for i in p.indices { p[i] = Float(rng.uniform() * 2 - 1) }
            }
        }
        return t
    }

    /// Draws and discards `n` latents.
    public mutating func skip(_ n: Int) {
        let count = n * shape.reduce(1, *)
        switch distribution {
        case .normal: for _ in 0..<count { _ = rng.normal() }
        case .uniform: for _ in 0..<count { _ = rng.uniform() }
        }
    }
}
