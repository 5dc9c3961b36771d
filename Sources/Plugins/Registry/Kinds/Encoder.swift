import Runtime

/// An encoder: image → latent (the start of an inversion).
public protocol Encoder: AnyObject {
    /// The image input (shape, layout, range).
    var image: Port { get }
    /// The latent output.
    var latent: Port { get }
    /// Latents of images given as the image port says.
    func encode(_ images: Tensor) throws -> Tensor
}

/// An encoder given by its graph and interface.
public final class GraphEncoder: Encoder {
    public let plugin: PluginModel
    public let image: Port
    public let latent: Port
    public let session: Session

    public init(_ plugin: PluginModel, backend: BackendKind = .dnnl) throws {
        let p = plugin.withPublicLayerNames()
        guard p.interface.kind == .encoder, let x = p.interface.input(.image), let z = p.interface.output(.latent) else {
            throw PluginError(.invalidRequest, "'\(plugin.id)' is a \(plugin.interface.kind), not an encoder with an image input and a latent output")
        }
        self.plugin = p
        image = x
        latent = z
        session = try Session(model: p.model, backend: backend)
    }

    public func encode(_ images: Tensor) throws -> Tensor {
        guard let z = try session.run([image.name: images], outputs: [latent.name])[latent.name] else {
            throw PluginError(.verification, "encoder '\(plugin.id)' produced no '\(latent.name)'")
        }
        return z
    }
}
