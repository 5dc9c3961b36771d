import Runtime

/// The preprocessing contract of a model that takes images: how a photograph (8-bit RGB) is
/// brought to the model's input size, and how its values are mapped. A pixel value p (0…255)
/// of input channel c becomes `(lo + p·(hi − lo)/255 − mean[c]) / std[c]`, with the channels
/// in `channels` order and the tensor laid out as the image port says (NCHW or NHWC).
public struct ImagePreprocessing: Equatable, CustomStringConvertible {
    public enum Resize: String, CaseIterable {
        /// Scale so the image covers the size (the shorter side fits), then crop the centre.
        case centreCrop = "centre-crop"
        /// Scale each side to the size, ignoring the aspect ratio.
        case stretch
        /// No resizing: the image must already have the size (or any size when none is set).
        case none
    }

    public var resize: Resize
    /// [height, width]; nil: any size (fully convolutional models).
    public var size: [Int]?
    /// "RGB" or "BGR": the channel order the model expects.
    public var channels: String
    /// What pixel values 0…255 map onto, before mean and std.
    public var range: ClosedRange<Float>
    public var mean: [Float]
    public var std: [Float]

    public init(resize: Resize = .none, size: [Int]? = nil, channels: String = "RGB", range: ClosedRange<Float> = 0...1,
                mean: [Float] = [0, 0, 0], std: [Float] = [1, 1, 1]) {
        self.resize = resize
        self.size = size
        self.channels = channels
        self.range = range
        self.mean = mean
        self.std = std
    }

    public static let channelOrders = ["RGB", "BGR"]

    public var description: String {
        var parts: [String] = []
        if let size { parts.append("\(resize.rawValue) to \(size[0])×\(size[1])") } else { parts.append("any size") }
        parts.append("\(channels) 0…255 → \(range.lowerBound)…\(range.upperBound)")
        if mean.contains(where: { $0 != 0 }) { parts.append("minus mean \(mean)") }
        if std.contains(where: { $0 != 1 }) { parts.append("divided by std \(std)") }
        return parts.joined(separator: ", ")
    }

    /// The image brought to the model's size (unchanged when no size is set).
    public func prepare(_ image: RGBImage) throws -> RGBImage {
        guard let size else { return image }
        let (h, w) = (size[0], size[1])
        if image.width == w && image.height == h { return image }
        switch resize {
        case .stretch:
            return try image.resized(width: w, height: h)
        case .centreCrop:
            // The smallest scale at which the image covers h × w (the other side truncated, as
            // torchvision's Resize does), then the centre.
            let (W, H) = (image.width, image.height)
            let (rw, rh) = w * H >= h * W ? (w, max(h, H * w / W)) : (max(w, W * h / H), h)
            return try image.resized(width: rw, height: rh).centreCropped(width: w, height: h)
        case .none:
            throw PluginError(.invalidRequest, "the model takes \(w)×\(h) images without resizing (preprocessing resize \"none\"), got \(image.width)×\(image.height)")
        }
    }

    /// Per model-input channel c: y = x[source[c]]·scale[c] + shift[c] for x, an RGB image with
    /// values in `from` (a generator's output range). Composes the range map, mean and std.
    public func affine(from: ClosedRange<Float>) -> (source: [Int], scale: [Float], shift: [Float]) {
        let source = channels == "BGR" ? [2, 1, 0] : [0, 1, 2]
        let pixelPerUnit = 255 / (from.upperBound - from.lowerBound)        // x → p = (x − from.lo)·255/(from.hi − from.lo)
        let unitPerPixel = (range.upperBound - range.lowerBound) / 255      // p → lo + p·(hi − lo)/255
        var scale = [Float](), shift = [Float]()
        for c in 0..<3 {
            let a = pixelPerUnit * unitPerPixel / std[c]
            let b = (range.lowerBound - from.lowerBound * pixelPerUnit * unitPerPixel - mean[c]) / std[c]
            scale.append(a)
            shift.append(b)
        }
        return (source, scale, shift)
    }

    /// The model input for an image already at the model's size, in `layout`.
    public func tensor(_ image: RGBImage, layout: String) -> Tensor {
        let (source, scale, shift) = affine(from: 0...255)
        let (h, w) = (image.height, image.width), plane = h * w
        let nhwc = layout == "NHWC"
        // Element (pixel i, channel c) sits at i·pixelStride + c·channelStride.
        let (pixelStride, channelStride) = nhwc ? (3, 1) : (1, plane)
        var t = Tensor(zeros: nhwc ? [1, h, w, 3] : [1, 3, h, w])
        t.withUnsafeMutableBufferPointer(as: Float.self) { dst in
            image.pixels.withUnsafeBufferPointer { px in
                for c in 0..<3 {
                    let (s, a, b) = (source[c], scale[c], shift[c])
                    for i in 0..<plane { dst[i * pixelStride + c * channelStride] = Float(px[i * 3 + s]) * a + b }
                }
            }
        }
        return t
    }
}
