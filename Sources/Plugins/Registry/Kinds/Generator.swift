import Runtime

/// A generator: latent → image, with named intermediate layers where it can be cut (layer
/// inversion writes G = G_f ∘ g_n ∘ … ∘ g_1 and optimises at a cut).
public protocol Generator: AnyObject {
    var id: String { get }
    /// The latent input: name, shape ([batch] + per-sample) and distribution.
    var latent: Port { get }
    /// The image output: name, shape, layout and value range.
    var image: Port { get }
    /// Cut points in graph order.
    var layers: [String] { get }
    var defaultCut: String? { get }
    /// The whole network as a graph.
    var model: Model { get }

    /// `n` latents drawn from the latent distribution with `seed`: one seeded stream, so the
    /// i-th latent does not depend on `n`.
    func sampleLatents(_ n: Int, seed: UInt64) -> Tensor
    func generate(_ z: Tensor) throws -> Tensor
    /// The value of `layer` for latents `z`.
    func run(_ z: Tensor, to layer: String) throws -> Tensor
    /// The image from given values at a cut (usually one layer; several when one alone does
    /// not separate the graph, like StyleGAN's `w` and a block output).
    func run(from values: [String: Tensor]) throws -> Tensor
    /// g_1…g_n: latent → `layers` (the graph cut after them).
    func prefix(upTo layers: [String]) throws -> Model
    /// G_f: `layers` → image.
    func suffix(from layers: [String]) throws -> Model
}

extension Generator {
    public func run(from layer: String, _ value: Tensor) throws -> Tensor { try run(from: [layer: value]) }
}
