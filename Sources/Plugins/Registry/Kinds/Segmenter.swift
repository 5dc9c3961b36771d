import Runtime

/// A segmenter: image → label map with per-class scores.
public protocol Segmenter: AnyObject {
    /// Class names; a label is an index into them.
    var labels: [String] { get }
    /// How a photograph is brought to the model's input.
    var preprocessing: ImagePreprocessing { get }
    /// Labels and per-class scores of `image` (resized and cropped per `preprocessing`).
    func segment(_ image: RGBImage) throws -> Segmentation
}

extension SelfieSegmenter: Segmenter {
    public var labels: [String] { Self.labels }
    public var preprocessing: ImagePreprocessing {
        ImagePreprocessing(resize: .centreCrop, size: [Self.inputSize, Self.inputSize], range: 0...1)
    }
}
