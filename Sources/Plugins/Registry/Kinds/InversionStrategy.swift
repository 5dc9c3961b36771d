import Runtime

/// The result of inverting a generator on a target image.
public struct Inversion {
    /// The recovered latent, [1] + the generator's latent shape.
    public var latent: Tensor
    /// G(latent) (or the layer-inverted reconstruction).
    public var image: Tensor
    /// Values recovered at a cut (layer inversion), by layer name.
    public var layers: [String: Tensor]

    public init(latent: Tensor, image: Tensor, layers: [String: Tensor] = [:]) {
        self.latent = latent
        self.image = image
        self.layers = layers
    }
}

/// A way to find what a generator would draw for a target image (z optimisation, encoder
/// initialisation, layer inversion). Strategies are registered by a later issue; the registry
/// exists so that they plug in like everything else.
public protocol InversionStrategy {
    /// `target` is [1, C, H, W] in the generator's image range.
    func invert(_ target: Tensor, generator: any Generator) throws -> Inversion
}
