/// The sliding-window correspondence between an image [channels, image…] and its column
/// matrix [channels × kernel taps, cols…]: column position `o`, kernel tap `k` reads image
/// position `o·stride − pad + k·dilation` on each axis (out-of-range positions are zero
/// padding). `im2col` gathers (Conv); `col2im` scatter-adds, its adjoint (ConvTranspose).
/// Works for any spatial rank; the innermost axis runs as a tight, branch-free loop.
struct ConvWindows {
    let image: [Int]
    let cols: [Int]
    let kernel: [Int]
    let strides: [Int]
    let dilations: [Int]
    let pads: [Int]

    /// Conv: the image is the input, the columns are the output positions.
    init(conv g: ConvGeometry) {
        image = g.inputSpatial
        cols = g.outputSpatial
        kernel = g.kernel
        strides = g.strides
        dilations = g.dilations
        pads = g.padsBegin
    }

    /// ConvTranspose: the image is the output, the columns are the input positions.
    init(transposed g: ConvGeometry) {
        image = g.outputSpatial
        cols = g.inputSpatial
        kernel = g.kernel
        strides = g.strides
        dilations = g.dilations
        pads = g.padsBegin
    }

    var imageSize: Int { image.reduce(1, *) }
    var colSize: Int { cols.reduce(1, *) }
    var kernelSize: Int { kernel.reduce(1, *) }

    /// col[(c·K + tap) · colSize + position] = image[c, position·stride − pad + tap·dilation].
    func im2col<T: FloatingPoint>(_ im: UnsafePointer<T>, channels: Int, _ col: UnsafeMutablePointer<T>) {
        forEachRow(channels: channels) { imChannel, row, segment, lo, hi, srcOffset in
            let dst = col + row * colSize + segment * cols[cols.count - 1]
            let n = cols[cols.count - 1]
            guard let srcOffset else { dst.update(repeating: 0, count: n); return }
            let src = im + imChannel + srcOffset
            let s = strides[strides.count - 1]
            if lo > 0 { dst.update(repeating: 0, count: lo) }
            if s == 1 {
                (dst + lo).update(from: src + lo, count: hi - lo)
            } else {
                var o = lo
                while o < hi { dst[o] = src[o * s]; o += 1 }
            }
            if hi < n { (dst + hi).update(repeating: 0, count: n - hi) }
        }
    }

    /// image[c, position·stride − pad + tap·dilation] += col[(c·K + tap) · colSize + position].
    func col2im<T: FloatingPoint>(_ col: UnsafePointer<T>, channels: Int, _ im: UnsafeMutablePointer<T>) {
        forEachRow(channels: channels) { imChannel, row, segment, lo, hi, dstOffset in
            guard let dstOffset else { return }
            let src = col + row * colSize + segment * cols[cols.count - 1]
            let dst = im + imChannel + dstOffset
            let s = strides[strides.count - 1]
            var o = lo
            while o < hi { dst[o * s] += src[o]; o += 1 }
        }
    }

    /// Calls `body` once per (channel, kernel tap, outer column position) with: the channel's
    /// image offset, the column-matrix row, the index of the innermost-axis segment, the valid
    /// innermost column range lo..<hi, and the image offset of column 0 of that segment on the
    /// innermost axis (nil when the outer axes fall into padding).
    @inline(__always)
    private func forEachRow(channels: Int,
                            _ body: (_ imChannel: Int, _ row: Int, _ segment: Int, _ lo: Int, _ hi: Int, _ offset: Int?) -> Void) {
        let r = image.count
        let last = r - 1
        let inLast = image[last], outLast = cols[last], sLast = strides[last]
        let segments = colSize / max(outLast, 1)
        let taps = kernelSize
        let imSize = imageSize
        var tap = [Int](repeating: 0, count: r)
        var pos = [Int](repeating: 0, count: r)
        var row = 0
        for c in 0..<channels {
            for i in 0..<r { tap[i] = 0 }
            for _ in 0..<taps {
                let off = tap[last] * dilations[last] - pads[last]
                // Columns o with 0 <= o·s + off < inLast.
                let lo = min(outLast, max(0, ceilDiv(-off, sLast)))
                let hi = max(lo, min(outLast, floorDiv(inLast - 1 - off, sLast) + 1))
                for i in 0..<r { pos[i] = 0 }
                for segment in 0..<segments {
                    var base = 0
                    var inside = true
                    for a in 0..<last {
                        let p = pos[a] * strides[a] - pads[a] + tap[a] * dilations[a]
                        if p < 0 || p >= image[a] { inside = false; break }
                        base = base * image[a] + p
                    }
                    body(c * imSize, row, segment, lo, hi, inside ? base * inLast + off : nil)
                    var a = last - 1
                    while a >= 0 {
                        pos[a] += 1
                        if pos[a] < cols[a] { break }
                        pos[a] = 0
                        a -= 1
                    }
                }
                row += 1
                var a = last
                while a >= 0 {
                    tap[a] += 1
                    if tap[a] < kernel[a] { break }
                    tap[a] = 0
                    a -= 1
                }
            }
        }
    }
}
