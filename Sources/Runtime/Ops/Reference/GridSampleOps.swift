import Foundation

/// GridSample (opset 16): samples X [N, C, H, W] at the normalised (x, y) positions of
/// grid [N, Hout, Wout, 2] (−1 and 1 are the outer edges of the corner pixels, or their
/// centres with align_corners), by bilinear, nearest or bicubic interpolation, reading
/// outside the input as zeros, the border pixel or the reflected image. Follows PyTorch's
/// grid_sample (as onnxruntime does): nearest rounds half to even; bicubic uses Keys' kernel
/// with a = −0.75. The opset 20 mode names "linear" and "cubic" are accepted too.
func registerGridSampleOps(into r: OpRegistry) {
    r.register("GridSample", since: 16) { inputs, ctx in [try gridSample(inputs, ctx)] }
    r.registerVJP("GridSample", GridSampleGradients.rule)
}

enum GridMode { case nearest, linear, cubic }
enum GridPadding: String { case zeros, border, reflection }

/// How coordinates along one spatial axis become input taps.
struct GridAxis {
    let size: Int
    let mode: GridMode
    let padding: GridPadding
    let alignCorners: Bool
    /// The coordinate range reflection folds into: pixel centres with align_corners, else edges.
    var low: Double { alignCorners ? 0 : -0.5 }
    var high: Double { alignCorners ? Double(size - 1) : Double(size) - 0.5 }

    var tapCount: Int {
        switch mode {
        case .nearest: return 1
        case .linear: return 2
        case .cubic: return 4
        }
    }

    /// Writes the taps of normalised coordinate `g`: input index (−1: reads zero) and weight,
    /// and with `slope` each weight's derivative with respect to g (the indices are constant
    /// between the points where they jump).
    func taps(_ g: Double, _ index: UnsafeMutablePointer<Int>, _ weight: UnsafeMutablePointer<Double>,
              slope: UnsafeMutablePointer<Double>? = nil) {
        var x = alignCorners ? (g + 1) / 2 * Double(size - 1) : ((g + 1) * Double(size) - 1) / 2
        // dx/dg: the pixel coordinate per unit of g, through the padding fold below.
        var dxdg = alignCorners ? Double(size - 1) / 2 : Double(size) / 2
        // Keeps the integer conversions below total: NaN reads as far outside, huge values are capped.
        if x.isNaN || abs(x) > 1e9 { dxdg = 0 }
        x = x.isNaN ? -1e9 : min(max(x, -1e9), 1e9)
        if mode == .nearest { x = x.rounded(.toNearestOrEven) }
        // Bicubic pads each tap instead (PyTorch and onnxruntime; the ONNX reference clamps
        // the coordinate first, which differs for border padding).
        if mode != .cubic && (x < low || x > high) {
            switch padding {
            case .zeros: break
            case .border: x = min(max(x, 0), Double(size - 1)); dxdg = 0
            case .reflection: let r = reflect(x); x = r.value; dxdg *= r.slope
            }
        }
        switch mode {
        case .nearest:
            index[0] = pixel(Int(x.rounded(.towardZero)))
            weight[0] = 1
            slope?[0] = 0
        case .linear:
            let x0 = x.rounded(.down), t = x - x0
            index[0] = pixel(Int(x0)); weight[0] = 1 - t
            index[1] = pixel(Int(x0) + 1); weight[1] = t
            if let slope { slope[0] = -dxdg; slope[1] = dxdg }
        case .cubic:
            let x0 = x.rounded(.down), t = x - x0
            let a = -0.75
            // Keys' cubic convolution weights for the taps at distances 1 + t, t, 1 − t, 2 − t.
            let s = t + 1, u = 1 - t, v = 2 - t
            weight[0] = ((a * s - 5 * a) * s + 8 * a) * s - 4 * a
            weight[1] = ((a + 2) * t - (a + 3)) * t * t + 1
            weight[2] = ((a + 2) * u - (a + 3)) * u * u + 1
            weight[3] = ((a * v - 5 * a) * v + 8 * a) * v - 4 * a
            for k in 0..<4 { index[k] = pixel(Int(x0) - 1 + k) }
            if let slope {
                // d weight/dt (u and v fall as t rises), times dt/dg.
                slope[0] = ((3 * a * s - 10 * a) * s + 8 * a) * dxdg
                slope[1] = (3 * (a + 2) * t - 2 * (a + 3)) * t * dxdg
                slope[2] = -(3 * (a + 2) * u - 2 * (a + 3)) * u * dxdg
                slope[3] = -((3 * a * v - 10 * a) * v + 8 * a) * dxdg
            }
        }
    }

    /// The input index that tap position `i` reads under the padding mode (−1: zero).
    private func pixel(_ i: Int) -> Int {
        if i >= 0 && i < size { return i }
        switch padding {
        case .zeros: return -1
        case .border: return min(max(i, 0), size - 1)
        case .reflection: return min(max(Int(reflect(Double(i)).value.rounded(.towardZero)), 0), size - 1)
        }
    }

    /// Folds x back into [low, high] by repeated reflection at the bounds; `slope` is ±1, the
    /// derivative of the fold (0 when the range is a point).
    private func reflect(_ x: Double) -> (value: Double, slope: Double) {
        let span = high - low
        guard span > 0 else { return (low, 0) }
        if x < low {
            let d = low - x, n = (d / span).rounded(.towardZero), r = d - n * span
            return n.truncatingRemainder(dividingBy: 2) == 0 ? (low + r, -1) : (high - r, 1)
        }
        if x > high {
            let d = x - high, n = (d / span).rounded(.towardZero), r = d - n * span
            return n.truncatingRemainder(dividingBy: 2) == 0 ? (high - r, -1) : (low + r, 1)
        }
        return (x, 1)
    }
}

private func gridSample(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let x = try inputs.required(0)
    let sampler = try GridSampler(x: x, grid: try inputs.required(1, "grid"), node: ctx.node)
    switch x.dtype {
    case .float32: return sampler.run(Float.self, x, ctx)
    case .float64: return sampler.run(Double.self, x, ctx)
    case .float16, .bfloat16: return sampler.run(Float.self, x.converted(to: .float32), ctx).converted(to: x.dtype)
    default: throw RuntimeError.dtype("GridSample needs a floating-point input (float16/float32/float64/bfloat16), got \(x.dtype)")
    }
}

struct GridSampler {
    let rows: GridAxis, cols: GridAxis
    let grid: [Double]
    let outRows: Int, outCols: Int

    /// The sampling of input `x` at `grid` that a GridSample node describes.
    init(x: Tensor, grid: Tensor, node: Node) throws {
        guard x.rank == 4 else { throw RuntimeError.invalid("GridSample input must have shape [N, C, H, W], got \(x.shape)") }
        guard grid.rank == 4, grid.shape[0] == x.shape[0], grid.shape[3] == 2 else {
            throw RuntimeError.invalid("GridSample grid must have shape [\(x.shape[0]), Hout, Wout, 2] for input \(x.shape), got \(grid.shape)")
        }
        guard grid.dtype.isFloatingPoint else { throw RuntimeError.dtype("GridSample grid must be floating-point, got \(grid.dtype)") }
        let modeName = node.string("mode", default: "bilinear")
        let mode: GridMode
        switch modeName {
        case "bilinear", "linear": mode = .linear
        case "nearest": mode = .nearest
        case "bicubic", "cubic": mode = .cubic
        default: throw RuntimeError.invalid("GridSample mode must be \"bilinear\", \"nearest\" or \"bicubic\", got \"\(modeName)\"")
        }
        let paddingName = node.string("padding_mode", default: "zeros")
        guard let padding = GridPadding(rawValue: paddingName) else {
            throw RuntimeError.invalid("GridSample padding_mode must be \"zeros\", \"border\" or \"reflection\", got \"\(paddingName)\"")
        }
        let align = node.int("align_corners", default: 0) != 0
        rows = GridAxis(size: x.shape[2], mode: mode, padding: padding, alignCorners: align)
        cols = GridAxis(size: x.shape[3], mode: mode, padding: padding, alignCorners: align)
        self.grid = grid.doubles
        (outRows, outCols) = (grid.shape[1], grid.shape[2])
    }

    /// For each image, builds every output position's 2-D taps once (flat input offsets and
    /// weights; offset −1 reads zero), then applies them to each channel.
    func run<T: BinaryFloatingPoint & TensorElement>(_: T.Type, _ x: Tensor, _ ctx: KernelContext) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let positions = outRows * outCols
        let kr = rows.tapCount, kc = cols.tapCount, taps = kr * kc
        var y = ctx.allocate([n, c, outRows, outCols], x.dtype, zeroed: false)
        var offsets = [Int](repeating: -1, count: positions * taps)
        var weights = [Double](repeating: 0, count: positions * taps)
        var ri = [Int](repeating: 0, count: kr), rw = [Double](repeating: 0, count: kr)
        var ci = [Int](repeating: 0, count: kc), cw = [Double](repeating: 0, count: kc)
        x.withElements(T.self) { px in
            y.withMutableElements(T.self) { py in
                for b in 0..<n {
                    for p in 0..<positions {
                        // grid[b, p] holds (x, y): x indexes columns, y rows.
                        let g = (b * positions + p) * 2
                        cols.taps(grid[g], &ci, &cw)
                        rows.taps(grid[g + 1], &ri, &rw)
                        for i in 0..<kr {
                            for j in 0..<kc {
                                let t = p * taps + i * kc + j
                                let valid = ri[i] >= 0 && ci[j] >= 0
                                offsets[t] = valid ? ri[i] * w + ci[j] : -1
                                weights[t] = valid ? rw[i] * cw[j] : 0
                            }
                        }
                    }
                    for ch in 0..<c {
                        let plane = px + (b * c + ch) * h * w, out = py + (b * c + ch) * positions
                        for p in 0..<positions {
                            var s = 0.0
                            for t in (p * taps)..<((p + 1) * taps) where offsets[t] >= 0 {
                                s += weights[t] * Double(plane[offsets[t]])
                            }
                            out[p] = T(s)
                        }
                    }
                }
            }
        }
        return y
    }
}
