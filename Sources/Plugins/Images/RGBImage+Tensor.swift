import Runtime

/// Model inputs from an image: the two layouts the project's models take.
extension RGBImage {
    /// [1, H, W, 3] float32 in [0, 1]: TFLite-born models (the selfie segmenter).
    public func tensorNHWC() -> Tensor {
        var t = Tensor(zeros: [1, height, width, 3])
        t.withUnsafeMutableBufferPointer(as: Float.self) { dst in
            pixels.withUnsafeBufferPointer { src in
                for i in 0..<src.count { dst[i] = Float(src[i]) / 255 }
            }
        }
        return t
    }

    /// [1, 3, H, W] float32 with 0…255 mapped linearly onto `range` (GAN images: -1…1).
    public func tensorNCHW(range: ClosedRange<Float> = -1...1) -> Tensor {
        var t = Tensor(zeros: [1, 3, height, width])
        let scale = (range.upperBound - range.lowerBound) / 255, plane = width * height
        t.withUnsafeMutableBufferPointer(as: Float.self) { dst in
            pixels.withUnsafeBufferPointer { src in
                for i in 0..<plane {
                    for c in 0..<3 { dst[c * plane + i] = range.lowerBound + Float(src[i * 3 + c]) * scale }
                }
            }
        }
        return t
    }
}
