/// Geometry as the original Python pipeline does it (torchvision over PIL): bilinear resampling
/// with PIL's triangle filter, whose support widens with the shrink factor, so downscaling
/// averages every source pixel it covers (antialiasing) instead of sampling four; `Resize(s)`
/// scales the shorter side to s and `CenterCrop(s)` cuts the middle s × s.
extension RGBImage {
    /// PIL's `resize((width, height), Image.BILINEAR)`, computed in floating point (PIL rounds
    /// the intermediate row pass to 8 bits, so the two may differ by one level).
    public func resized(width outW: Int, height outH: Int) throws -> RGBImage {
        guard outW > 0, outH > 0, outW * outH <= ImageReader.maxPixels else {
            throw ImageIOError("cannot resize a \(width)x\(height) image to \(outW)x\(outH)")
        }
        if outW == width && outH == height { return self }
        let cols = ResampleTaps(input: width, output: outW)
        let rows = ResampleTaps(input: height, output: outH)
        // Horizontal pass into floats (height × outW × 3), then vertical pass into bytes.
        var mid = [Float](repeating: 0, count: height * outW * 3)
        pixels.withUnsafeBufferPointer { src in
            mid.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let srcRow = y * width * 3, dstRow = y * outW * 3
                    for x in 0..<outW {
                        var r: Float = 0, g: Float = 0, b: Float = 0
                        let first = cols.first[x], k0 = cols.offset[x]
                        for k in 0..<cols.count[x] {
                            let w = cols.weights[k0 + k], s = srcRow + (first + k) * 3
                            r += w * Float(src[s]); g += w * Float(src[s + 1]); b += w * Float(src[s + 2])
                        }
                        dst[dstRow + x * 3] = r; dst[dstRow + x * 3 + 1] = g; dst[dstRow + x * 3 + 2] = b
                    }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: outH * outW * 3)
        let rowLength = outW * 3
        var acc = [Float](repeating: 0, count: rowLength)
        mid.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                acc.withUnsafeMutableBufferPointer { acc in
                    for y in 0..<outH {
                        for i in 0..<rowLength { acc[i] = 0 }
                        for k in 0..<rows.count[y] {
                            let w = rows.weights[rows.offset[y] + k], srcRow = (rows.first[y] + k) * rowLength
                            for i in 0..<rowLength { acc[i] += w * src[srcRow + i] }
                        }
                        for i in 0..<rowLength { dst[y * rowLength + i] = UInt8(max(0, min(255, acc[i].rounded()))) }
                    }
                }
            }
        }
        return RGBImage(width: outW, height: outH, pixels: out)
    }

    /// The `width` × `height` region whose top-left corner is (`x`, `y`).
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) throws -> RGBImage {
        guard x >= 0, y >= 0, w > 0, h > 0, x + w <= width, y + h <= height else {
            throw ImageIOError("crop \(w)x\(h) at (\(x), \(y)) does not fit in a \(width)x\(height) image")
        }
        var out = [UInt8](repeating: 0, count: w * h * 3)
        for row in 0..<h {
            let src = ((y + row) * width + x) * 3
            out.replaceSubrange(row * w * 3..<(row + 1) * w * 3, with: pixels[src..<(src + w * 3)])
        }
        return RGBImage(width: w, height: h, pixels: out)
    }

    /// torchvision `Resize(side)`: the shorter side becomes `side`, the longer one
    /// `Int(side · long / short)` (truncated, as torchvision does); a square stays square.
    public func resizedShorterSide(to side: Int) throws -> RGBImage {
        let (short, long) = (min(width, height), max(width, height))
        let other = side * long / short
        return width <= height ? try resized(width: side, height: other) : try resized(width: other, height: side)
    }

    /// torchvision `CenterCrop(size)`: offsets round((W − w) / 2) and round((H − h) / 2) with
    /// Python's round-half-to-even.
    public func centreCropped(width w: Int, height h: Int) throws -> RGBImage {
        let left = (Double(width - w) / 2).rounded(.toNearestOrEven)
        let top = (Double(height - h) / 2).rounded(.toNearestOrEven)
        return try cropped(x: Int(left), y: Int(top), width: w, height: h)
    }

    /// The original's preprocessing: shorter side to `side`, then the central `side` × `side`.
    public func shorterSideResizedAndCentreCropped(to side: Int) throws -> RGBImage {
        try resizedShorterSide(to: side).centreCropped(width: side, height: side)
    }
}

/// PIL's `precompute_coeffs` for the bilinear filter: for each output index, the first input
/// index and the normalised weights of the inputs it reads.
private struct ResampleTaps {
    var first: [Int] = [], count: [Int] = [], offset: [Int] = []
    var weights: [Float] = []

    init(input: Int, output: Int) {
        let scale = Double(input) / Double(output)
        let filterScale = max(scale, 1)
        let support = filterScale   // the triangle filter's support is 1
        for o in 0..<output {
            let centre = (Double(o) + 0.5) * scale
            let lo = max(Int(centre - support + 0.5), 0)   // Int() truncates like C's (int)
            let hi = min(Int(centre + support + 0.5), input)
            var taps: [Double] = []
            for i in lo..<max(hi, lo) {
                taps.append(max(0, 1 - abs((Double(i) - centre + 0.5) / filterScale)))
            }
            let total = taps.reduce(0, +)
            first.append(lo)
            count.append(taps.count)
            offset.append(weights.count)
            weights += taps.map { Float(total > 0 ? $0 / total : 0) }
        }
    }
}
