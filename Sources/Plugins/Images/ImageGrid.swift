import Runtime

/// Turns generator outputs (N×C×H×W float tensors) into 8-bit images and tiles them.
public enum ImageGrid {
    /// One image per batch item. `range` is the value range mapped to 0…255 (GANs: -1…1).
    public static func images(from t: Tensor, range: ClosedRange<Float> = -1...1) throws -> [Image8] {
        guard t.rank == 4, t.shape[1] == 1 || t.shape[1] == 3 else {
            throw ImageIOError("expected an N×C×H×W image tensor with C = 1 or 3, got \(t.dtype)\(t.shape)")
        }
        let x = t.converted(to: .float32)
        let (n, c, h, w) = (t.shape[0], t.shape[1], t.shape[2], t.shape[3])
        let scale = 255 / (range.upperBound - range.lowerBound)
        return x.withUnsafeBufferPointer(as: Float.self) { p in
            (0..<n).map { b in
                var px = [UInt8](repeating: 0, count: h * w * c)
                for ch in 0..<c {
                    let base = (b * c + ch) * h * w
                    for i in 0..<(h * w) {
                        let v = (p[base + i] - range.lowerBound) * scale
                        px[i * c + ch] = UInt8(max(0, min(255, v.isNaN ? 0 : v.rounded())))
                    }
                }
                return Image8(width: w, height: h, channels: c, pixels: px)
            }
        }
    }

    /// Tiles equally sized images into rows of `columns`, with a `gap`-pixel border.
    public static func tile(_ images: [Image8], columns: Int, gap: Int = 2) -> Image8 {
        guard let first = images.first else { return Image8(width: 1, height: 1, channels: 3, pixels: [0, 0, 0]) }
        let cols = max(1, min(columns, images.count))
        let rows = (images.count + cols - 1) / cols
        let (w, h, c) = (first.width, first.height, first.channels)
        let W = cols * w + (cols + 1) * gap, H = rows * h + (rows + 1) * gap
        var px = [UInt8](repeating: 255, count: W * H * c)
        for (k, im) in images.enumerated() {
            let x0 = gap + (k % cols) * (w + gap), y0 = gap + (k / cols) * (h + gap)
            for y in 0..<h {
                let dst = ((y0 + y) * W + x0) * c
                let src = y * w * c
                px.replaceSubrange(dst..<(dst + w * c), with: im.pixels[src..<(src + w * c)])
            }
        }
        return Image8(width: W, height: H, channels: c, pixels: px)
    }
}
