import Runtime

/// A loss between two tensors of the same shape, written into a graph (so autodiff
/// differentiates it with everything else).
public protocol Loss {
    /// Appends the loss between `x` and `y` to `b`; returns the name of a scalar value.
    func build(_ b: inout GraphBuilder, _ x: String, _ y: String) throws -> String
}

/// mean (x − y)², mean |x − y|, or the channel cosine distance: the pixel and latent losses.
public struct ElementwiseLoss: Loss {
    public enum Kind: String, CaseIterable { case mse, l1, cosine }
    public let kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public func build(_ b: inout GraphBuilder, _ x: String, _ y: String) throws -> String { Self.value(kind, &b, x, y) }

    static func value(_ kind: Kind, _ b: inout GraphBuilder, _ x: String, _ y: String) -> String {
        switch kind {
        case .mse: return Losses.mse(&b, x, y)
        case .l1: return Losses.l1(&b, x, y)
        case .cosine: return Losses.cosineDistance(&b, x, y)
        }
    }
}

/// Σ over feature layers of a distance between the features of x and y (images in `range`,
/// NCHW RGB), through a feature net with its preprocessing: the perceptual loss.
public struct PerceptualLoss: Loss {
    public let featureNet: any FeatureNet
    public let layers: [String]
    public let distance: ElementwiseLoss.Kind
    public let range: ClosedRange<Float>

    public init(featureNet: any FeatureNet, layers: [String], distance: ElementwiseLoss.Kind = .l1, range: ClosedRange<Float> = -1...1) {
        self.featureNet = featureNet
        self.layers = layers
        self.distance = distance
        self.range = range
    }

    public func build(_ b: inout GraphBuilder, _ x: String, _ y: String) throws -> String {
        let graph = try featureNet.featureGraph(range: range, layers: layers)
        let kind = distance
        return try Losses.perceptual(&b, features: graph, layers: layers, x, y) { b, u, v in ElementwiseLoss.value(kind, &b, u, v) }
    }
}
