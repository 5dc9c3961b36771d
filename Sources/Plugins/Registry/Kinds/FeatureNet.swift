import Runtime

/// A feature network (the perceptual loss's): image → named feature layers.
public protocol FeatureNet: AnyObject {
    /// Feature layers in graph order.
    var layers: [String] { get }
    var defaultLayer: String? { get }
    /// How a photograph is brought to the model's input.
    var preprocessing: ImagePreprocessing { get }
    /// The graph from images as a generator gives them (NCHW RGB, values in `range`) to
    /// `layers`: the preprocessing contract as its first ops, so a loss can inline it and
    /// differentiate through it. Its one input is `FeatureGraph.input`.
    func featureGraph(range: ClosedRange<Float>, layers: [String]) throws -> Graph
    /// The features of such images.
    func features(_ images: Tensor, range: ClosedRange<Float>, layers: [String]) throws -> [String: Tensor]
}

public enum FeatureGraph {
    /// The input of `FeatureNet.featureGraph`.
    public static let input = "seeing.image"
}
