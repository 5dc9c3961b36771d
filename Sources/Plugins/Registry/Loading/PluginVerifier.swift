import Runtime

/// One forward pass on seeded inputs: every output port and named layer must come out finite,
/// with the shape the interface declares.
public enum PluginVerifier {
    public struct Result {
        /// Shapes of the output ports and layers, by name.
        public var shapes: [String: [Int]]
        /// The batch size fed.
        public var batch: Int
    }

    /// Side of free spatial dimensions in the probe (fully convolutional models).
    static let probeSide = 64

    public static func verify(_ plugin: PluginModel, backend: BackendKind = .dnnl, seed: UInt64 = 7) throws -> Result {
        let p = plugin.withPublicLayerNames()
        let i = p.interface
        let context = "\(i.kind) '\(p.id)'"
        var feeds: [String: Tensor] = [:]
        var symbols: [String: Int] = [:]
        var batch = 2
        for (k, port) in i.inputs.enumerated() {
            let shape = inputShape(port, preprocessing: i.preprocessing, symbols: &symbols)
            batch = shape.first ?? batch
            feeds[port.name] = values(for: port, shape: shape, preprocessing: i.preprocessing, seed: seed &+ UInt64(k))
        }
        var m = p.model
        let wanted = i.outputs.map(\.name) + i.layerNames.filter { n in !i.outputs.contains { $0.name == n } }
        for name in wanted where !m.graph.outputs.contains(where: { $0.name == name }) {
            m.graph.outputs.append(ValueInfo(name: name, dtype: nil, shape: nil))
        }
        let out: [String: Tensor]
        do {
            out = try Session(model: m, backend: backend).run(feeds, outputs: wanted)
        } catch {
            throw PluginError(.verification, "\(context): the forward pass failed: \(error)")
        }
        var shapes: [String: [Int]] = [:]
        for name in wanted {
            guard let t = out[name] else { throw PluginError(.verification, "\(context): the forward pass gave no '\(name)'") }
            shapes[name] = t.shape
            if t.dtype.isFloatingPoint {
                let bad = t.converted(to: .float32).withUnsafeBufferPointer(as: Float.self) { p in p.filter { !$0.isFinite }.count }
                if bad > 0 {
                    throw PluginError(.verification, "\(context): '\(name)' has \(bad) non-finite values of \(t.count) after a forward pass on seeded inputs")
                }
            }
        }
        for port in i.outputs {
            let got = shapes[port.name]!
            var ok = got.count == port.shape.count
            if ok {
                for (d, n) in zip(port.shape, got) {
                    switch d {
                    case .fixed(let v): ok = ok && v == n
                    case .symbolic(let s): if let v = symbols[s] { ok = ok && v == n }
                    }
                }
            }
            guard ok else {
                throw PluginError(.portMismatch, "\(context): output port '\(port.name)': expected shape \(port.shapeDescription), got \(got) "
                    + "for inputs " + feeds.keys.sorted().map { "'\($0)' \(feeds[$0]!.shape)" }.joined(separator: ", "))
            }
        }
        return Result(shapes: shapes, batch: batch)
    }

    /// Fixed dims as declared; a symbolic batch → 2; other symbols → the preprocessing size or `probeSide`.
    static func inputShape(_ port: Port, preprocessing: ImagePreprocessing?, symbols: inout [String: Int]) -> [Int] {
        let nhwc = port.layout == "NHWC"
        return port.shape.enumerated().map { k, d in
            switch d {
            case .fixed(let v): return v
            case .symbolic(let s):
                if let v = symbols[s] { return v }
                var v = k == 0 ? 2 : probeSide
                if port.shape.count == 4, let size = preprocessing?.size {
                    if k == (nhwc ? 1 : 2) { v = size[0] }
                    if k == (nhwc ? 2 : 3) { v = size[1] }
                }
                symbols[s] = v
                return v
            }
        }
    }

    /// A latent from its distribution; anything else uniform over its range (images: the
    /// port's range, else what the preprocessing maps pixels onto).
    static func values(for port: Port, shape: [Int], preprocessing: ImagePreprocessing?, seed: UInt64) -> Tensor {
        if port.role == .latent && (port.distribution ?? .normal) == .normal {
            return Tensor.randomNormal(shape, seed: seed).converted(to: port.dtype)
        }
        let range = port.role == .latent ? -1...1 : port.range ?? preprocessing.map { p in
            let lo = zip(p.mean, p.std).map { (p.range.lowerBound - $0) / $1 }.min() ?? 0
            let hi = zip(p.mean, p.std).map { (p.range.upperBound - $0) / $1 }.max() ?? 1
            return lo...hi
        } ?? 0...1
        var rng = SeededRandom(seed: seed)
        var t = Tensor(zeros: shape)
        t.withUnsafeMutableBufferPointer(as: Float.self) { p in
            for k in p.indices { p[k] = range.lowerBound + Float(rng.uniform()) * (range.upperBound - range.lowerBound) }
        }
        return t.converted(to: port.dtype)
    }
}
