import Foundation
import Runtime

/// A segmenter given by its graph and interface. The score output is read through its layout
/// and activation: C channels → softmax (for logits) and argmax; one channel with two labels →
/// the probability of the second label (sigmoid for logits), labelled where above 0.5.
public final class GraphSegmenter: Segmenter {
    public let plugin: PluginModel
    public let input: Port
    public let scores: Port
    public let labels: [String]
    public let preprocessing: ImagePreprocessing
    public let session: Session

    public init(_ plugin: PluginModel, backend: BackendKind = .dnnl) throws {
        let p = plugin.withPublicLayerNames()
        let i = p.interface
        guard i.kind == .segmenter, let x = i.input(.image), let s = i.output(.scores), let labels = i.labels,
              let pre = i.preprocessing else {
            throw PluginError(.invalidRequest, "'\(plugin.id)' is a \(i.kind), not a segmenter with an image input, scores, labels and preprocessing")
        }
        self.plugin = p
        input = x
        scores = s
        self.labels = labels
        preprocessing = pre
        session = try Session(model: p.model, backend: backend)
    }

    public var id: String { plugin.id }

    public func segment(_ image: RGBImage) throws -> Segmentation {
        try segment(prepared: preprocessing.prepare(image))
    }

    /// Labels and scores of an image already at the model's input size.
    public func segment(prepared image: RGBImage) throws -> Segmentation {
        let raw = try rawScores(input(prepared: image))
        return try Self.segmentation(raw, layout: scores.layout ?? "NCHW", activation: scores.activation ?? .probabilities,
                                     labels: labels, source: id)
    }

    /// Only the label map of an image already at the model's input size (height × width,
    /// row-major): the labels `segment(prepared:)` gives, without computing probabilities.
    public func labels(prepared image: RGBImage) throws -> (labels: [UInt16], width: Int, height: Int) {
        try labels(input: input(prepared: image))
    }

    /// The model input for an image already at the model's input size. Touches no session, so
    /// another thread can make the next input while this one segments.
    public func input(prepared image: RGBImage) throws -> Tensor {
        if let c = input.chw, let h = c.h, let w = c.w, image.width != w || image.height != h {
            throw PluginError(.invalidRequest, "segmenter '\(id)' takes \(w)×\(h) images, got \(image.width)×\(image.height)")
        }
        return preprocessing.tensor(image, layout: input.layout ?? "NCHW")
    }

    /// The label map for a model input made by `input(prepared:)`.
    public func labels(input x: Tensor) throws -> (labels: [UInt16], width: Int, height: Int) {
        try Self.labels(rawScores(x), layout: scores.layout ?? "NCHW", activation: scores.activation ?? .probabilities,
                        labels: labels, source: id)
    }

    /// The model's score output for an input tensor.
    public func rawScores(_ x: Tensor) throws -> Tensor {
        guard let s = try session.run([input.name: x], outputs: [scores.name])[scores.name] else {
            throw PluginError(.verification, "segmenter '\(id)' produced no '\(scores.name)'")
        }
        return s
    }

    /// Turns a [1, C, H, W] (or NHWC) score tensor into labels and [classes, H, W] probabilities.
    static func segmentation(_ raw: Tensor, layout: String, activation: ScoreActivation, labels: [String], source: String) throws -> Segmentation {
        let (nhwc, c, h, w, binary) = try scoreGeometry(raw, layout: layout, labels: labels, source: source)
        let plane = h * w, classes = labels.count
        var probabilities = Tensor(zeros: [classes, h, w])
        var map = [UInt16](repeating: 0, count: plane)
        let x = raw.converted(to: .float32)
        x.withUnsafeBufferPointer(as: Float.self) { src in
            probabilities.withUnsafeMutableBufferPointer(as: Float.self) { dst in
                let (pixelStride, channelStride) = nhwc ? (c, 1) : (1, plane)
                if binary {
                    for i in 0..<plane {
                        var p = src[i * pixelStride]
                        if activation == .logits { p = 1 / (1 + Foundation.exp(-p)) }
                        dst[i] = 1 - p
                        dst[plane + i] = p
                        map[i] = p > 0.5 ? 1 : 0
                    }
                    return
                }
                for i in 0..<plane {
                    var best = 0, top = -Float.infinity, sum: Float = 0
                    for k in 0..<c {
                        let v = src[i * pixelStride + k * channelStride]
                        if v > top { top = v; best = k }
                    }
                    for k in 0..<c {
                        let v = src[i * pixelStride + k * channelStride]
                        let e = activation == .logits ? Foundation.exp(v - top) : v
                        dst[k * plane + i] = e
                        sum += e
                    }
                    if activation == .logits {
                        for k in 0..<c { dst[k * plane + i] /= sum }
                    }
                    map[i] = UInt16(best)
                }
            }
        }
        return try Segmentation(classNames: labels, labels: map, scores: probabilities)
    }

    /// Layout, channels, height, width and whether one probability channel stands for two labels.
    private static func scoreGeometry(_ raw: Tensor, layout: String, labels: [String], source: String) throws
        -> (nhwc: Bool, c: Int, h: Int, w: Int, binary: Bool) {
        guard raw.rank == 4, raw.shape[0] == 1 else {
            throw PluginError(.verification, "segmenter '\(source)': scores must be [1, C, H, W] or [1, H, W, C], got \(raw.shape)")
        }
        let nhwc = layout == "NHWC"
        let (c, h, w) = nhwc ? (raw.shape[3], raw.shape[1], raw.shape[2]) : (raw.shape[1], raw.shape[2], raw.shape[3])
        let binary = c == 1 && labels.count == 2
        guard c == labels.count || binary else {
            throw PluginError(.verification, "segmenter '\(source)': \(c) score channels for \(labels.count) labels")
        }
        return (nhwc, c, h, w, binary)
    }

    /// The label map `segmentation` computes, by the same decisions (the probability of the
    /// second label above 0.5; the first channel holding the maximum), without the probabilities.
    static func labels(_ raw: Tensor, layout: String, activation: ScoreActivation, labels: [String], source: String) throws
        -> (labels: [UInt16], width: Int, height: Int) {
        let (nhwc, c, h, w, binary) = try scoreGeometry(raw, layout: layout, labels: labels, source: source)
        let plane = h * w
        var map = [UInt16](repeating: 0, count: plane)
        let x = raw.converted(to: .float32)
        x.withUnsafeBufferPointer(as: Float.self) { src in
            map.withUnsafeMutableBufferPointer { out in
                let (pixelStride, channelStride) = nhwc ? (c, 1) : (1, plane)
                if binary {
                    for i in 0..<plane {
                        var p = src[i * pixelStride]
                        if activation == .logits { p = 1 / (1 + Foundation.exp(-p)) }
                        out[i] = p > 0.5 ? 1 : 0
                    }
                    return
                }
                for i in 0..<plane {
                    var best = 0, top = -Float.infinity
                    for k in 0..<c {
                        let v = src[i * pixelStride + k * channelStride]
                        if v > top { top = v; best = k }
                    }
                    out[i] = UInt16(best)
                }
            }
        }
        return (map, w, h)
    }
}
