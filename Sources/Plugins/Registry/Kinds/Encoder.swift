import Runtime

/// An encoder: image → latent, or (a layer encoder) one generator layer → the one before it;
/// the start of an inversion.
public protocol Encoder: AnyObject {
    /// What it reads (an image, or a layer's values).
    var input: Port { get }
    /// What it estimates (a latent, or a layer's values).
    var output: Port { get }
    /// The estimate for a batch given as the input port says.
    func encode(_ x: Tensor) throws -> Tensor
}

/// An encoder given by its graph and interface.
public final class GraphEncoder: Encoder {
    public let plugin: PluginModel
    public let input: Port
    public let output: Port
    public let session: Session

    public init(_ plugin: PluginModel, backend: BackendKind = .dnnl) throws {
        let p = plugin.withPublicLayerNames()
        guard p.interface.kind == .encoder, let x = p.interface.inputs.first, let z = p.interface.outputs.first else {
            throw PluginError(.invalidRequest, "'\(plugin.id)' is a \(plugin.interface.kind), not an encoder")
        }
        self.plugin = p
        input = x
        output = z
        session = try Session(model: p.model, backend: backend)
    }

    public func encode(_ x: Tensor) throws -> Tensor {
        guard let y = try session.run([input.name: x], outputs: [output.name])[output.name] else {
            throw PluginError(.verification, "encoder '\(plugin.id)' produced no '\(output.name)'")
        }
        return y
    }
}
