import Importer
import Runtime

/// MediaPipe's selfie segmenter (general model, 256×256), converted to ONNX by
/// scripts/tools/convert_tflite.py: input "image" [1, 256, 256, 3] RGB in [0, 1], output
/// "person" [1, 256, 256, 1] probability. Two classes: 0 background, 1 person.
public final class SelfieSegmenter {
    public static let labels = ["background", "person"]
    public static let inputSize = 256
    /// Where scripts/fetch-models.py puts the converted model, relative to the repository root.
    public static let defaultModelPath = "models/cache/selfie-segmenter/selfie-segmenter.onnx"
    /// A pixel is "person" when its probability is above this (a tie goes to background,
    /// like an argmax over [1 − p, p]).
    public var threshold: Float = 0.5
    public let session: Session

    public init(modelPath: String, backend: BackendKind = .dnnl) throws {
        let model = try ONNXImporter.load(path: modelPath).model
        session = try Session(model: model, backend: backend)
        let s = Self.inputSize
        let types = try session.valueTypes(for: ["image": Tensor(zeros: [1, s, s, 3])])
        guard types["person"]?.shape == [1, s, s, 1] else {
            throw RuntimeError.invalid("\(modelPath) is not the selfie segmenter: expected input \"image\" [1, \(s), \(s), 3] "
                                       + "and output \"person\" [1, \(s), \(s), 1], got \(types["person"].map { "\($0)" } ?? "no \"person\" output")")
        }
    }

    /// The original pipeline's geometry: shorter side to 256, then the central 256 × 256.
    public static func prepare(_ image: RGBImage) throws -> RGBImage {
        try image.shorterSideResizedAndCentreCropped(to: inputSize)
    }

    /// The model's raw output for a [1, 256, 256, 3] input in [0, 1].
    public func personProbability(_ input: Tensor) throws -> Tensor {
        guard let p = try session.run(["image": input], outputs: ["person"])["person"] else {
            throw RuntimeError.invalid("selfie segmenter produced no \"person\" output")
        }
        return p
    }

    /// Labels and scores for the prepared (resized, centre-cropped) 256 × 256 view of `image`.
    public func segment(_ image: RGBImage) throws -> Segmentation {
        try segment(prepared: Self.prepare(image))
    }

    /// Labels and scores for an image already brought to 256 × 256 by the caller (MediaPipe's
    /// own pipeline, for one, stretches the whole frame instead of cropping it).
    public func segment(prepared image: RGBImage) throws -> Segmentation {
        guard image.width == Self.inputSize, image.height == Self.inputSize else {
            throw RuntimeError.invalid("selfie segmenter input must be \(Self.inputSize)x\(Self.inputSize), got \(image.width)x\(image.height)")
        }
        let p = try personProbability(image.tensorNHWC()).converted(to: .float32)
        let n = Self.inputSize * Self.inputSize
        var labels = [UInt16](repeating: 0, count: n)
        var scores = Tensor(zeros: [2, Self.inputSize, Self.inputSize])
        p.withUnsafeBufferPointer(as: Float.self) { src in
            scores.withUnsafeMutableBufferPointer(as: Float.self) { dst in
                for i in 0..<n {
                    dst[i] = 1 - src[i]
                    dst[n + i] = src[i]
                    labels[i] = src[i] > threshold ? 1 : 0
                }
            }
        }
        return try Segmentation(classNames: Self.labels, labels: labels, scores: scores)
    }
}
