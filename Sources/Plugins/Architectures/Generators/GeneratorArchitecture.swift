import Runtime

/// What a sampler or inverter needs to know about a generator beyond its graph.
public struct GeneratorMetadata: Equatable {
    /// The latent of one sample (the graph input is `[N] + latentShape`, named `latentInput`).
    public var latentShape: [Int]
    /// How latents are drawn: "normal" (independent standard normal entries).
    public var latentDistribution: String
    public var latentInput: String
    /// Nominal value range of the image output.
    public var outputRange: ClosedRange<Float>
    /// Memory layout of the image output: "NCHW".
    public var layout: String
    /// One image: [channels, height, width].
    public var imageShape: [Int]
    public var imageOutput: String
    /// The named layer where layer-wise inversion splits G into g1…gn and G_f.
    public var defaultCut: String

    public init(latentShape: [Int], latentDistribution: String = "normal", latentInput: String = "z",
                outputRange: ClosedRange<Float> = -1...1, layout: String = "NCHW", imageShape: [Int],
                imageOutput: String = "image", defaultCut: String) {
        self.latentShape = latentShape
        self.latentDistribution = latentDistribution
        self.latentInput = latentInput
        self.outputRange = outputRange
        self.layout = layout
        self.imageShape = imageShape
        self.imageOutput = imageOutput
        self.defaultCut = defaultCut
    }
}

/// A built-in generator architecture: a configuration (read from a checkpoint's names and
/// shapes when not given), a graph builder and the metadata a registry needs.
public protocol GeneratorArchitecture {
    associatedtype Config
    /// Short identifier ("progan", "dcgan", …).
    static var architecture: String { get }
    /// The configuration a checkpoint implies; throws when its names and shapes cannot tell.
    static func config(inferredFrom weights: StateDict) throws -> Config
    /// The network with `weights` bound by name (seeded initialisation for the rest). `config`
    /// nil: inferred from `weights`, or the reference configuration when `weights` is empty.
    static func build(weights: StateDict, config: Config?, seed: UInt64) throws -> BuiltNetwork
    static func metadata(_ config: Config) throws -> GeneratorMetadata
}

extension GeneratorArchitecture {
    /// The configuration `build` uses for these arguments.
    static func resolve(_ config: Config?, _ weights: StateDict, reference: () -> Config) throws -> Config {
        if let config { return config }
        return weights.isEmpty ? reference() : try Self.config(inferredFrom: weights)
    }
}
