/// Reverse mode of GridSample. The output is Σ w·x[tap] with tap indices that are constant
/// between the points where they jump, so the input gradient spreads dy over the taps with
/// their weights, and the grid gradient is Σ dy·x[tap]·dw/dg from each axis's weight slopes
/// (zero for nearest, and where border padding clamps the coordinate).
enum GridSampleGradients {
    static func rule(_ c: VJPContext) throws -> [Tensor?] {
        let x = try c.inputs.required(0), grid = try c.inputs.required(1, "grid")
        let wantX = c.needs(0) && x.dtype.isFloatingPoint, wantGrid = c.needs(1)
        guard wantX || wantGrid else { return [nil, nil] }
        let sampler = try GridSampler(x: x, grid: grid, node: c.node)
        let dy = try c.outputGrad(0)
        let expected = [x.shape[0], x.shape[1], grid.shape[1], grid.shape[2]]
        guard dy.shape == expected else { throw RuntimeError.invalid("output gradient has shape \(dy.shape), expected \(expected)") }
        let k = c.kernelContext
        let (dx, dGrid): (Tensor?, [Double]?)
        switch x.dtype {
        case .float32: (dx, dGrid) = sampler.backward(Float.self, x, dy.converted(to: .float32), wantX, wantGrid, k)
        case .float64: (dx, dGrid) = sampler.backward(Double.self, x, dy.converted(to: .float64), wantX, wantGrid, k)
        case .float16, .bfloat16:
            let r = sampler.backward(Float.self, x.converted(to: .float32), dy.converted(to: .float32), wantX, wantGrid, k)
            (dx, dGrid) = (r.0?.converted(to: x.dtype), r.1)
        default: throw RuntimeError.dtype("GridSample gradients need a floating-point input, got \(x.dtype)")
        }
        return [dx, dGrid.map { Tensor(shape: grid.shape, dtype: grid.dtype, doubles: $0) }]
    }
}

extension GridSampler {
    /// dX (when `wantX`) and dGrid (when `wantGrid`, flat like the grid) for output gradient
    /// `dy`: per image, every position's taps, weights and weight slopes along x and y once,
    /// then each channel.
    func backward<T: BinaryFloatingPoint & TensorElement>(_: T.Type, _ x: Tensor, _ dy: Tensor, _ wantX: Bool, _ wantGrid: Bool,
                                                          _ ctx: KernelContext) -> (Tensor?, [Double]?) {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let positions = outRows * outCols
        let kr = rows.tapCount, kc = cols.tapCount, taps = kr * kc
        var dx = wantX ? ctx.allocate(x.shape, x.dtype, zeroed: true) : nil
        // Nearest sampling is piecewise constant in the grid: its gradient is zero.
        let slopes = wantGrid && rows.mode != .nearest
        var dGrid = [Double](repeating: 0, count: wantGrid ? grid.count : 0)
        var offsets = [Int](repeating: -1, count: positions * taps)
        var weights = [Double](repeating: 0, count: positions * taps)
        var slopeX = [Double](repeating: 0, count: slopes ? positions * taps : 0), slopeY = slopeX
        var ri = [Int](repeating: 0, count: kr), rw = [Double](repeating: 0, count: kr), rs = rw
        var ci = [Int](repeating: 0, count: kc), cw = [Double](repeating: 0, count: kc), cs = cw
        x.withElements(T.self) { px in
            dy.withElements(T.self) { pg in
                withOptionalPointer(T.self, &dx) { pdx in
                    for b in 0..<n {
                        for p in 0..<positions {
                            // grid[b, p] holds (x, y): x indexes columns, y rows.
                            let g = (b * positions + p) * 2
                            cols.taps(grid[g], &ci, &cw, slope: &cs)
                            rows.taps(grid[g + 1], &ri, &rw, slope: &rs)
                            for i in 0..<kr {
                                for j in 0..<kc {
                                    let t = p * taps + i * kc + j
                                    let valid = ri[i] >= 0 && ci[j] >= 0
                                    offsets[t] = valid ? ri[i] * w + ci[j] : -1
                                    weights[t] = valid ? rw[i] * cw[j] : 0
                                    if slopes {
                                        slopeX[t] = valid ? rw[i] * cs[j] : 0
                                        slopeY[t] = valid ? rs[i] * cw[j] : 0
                                    }
                                }
                            }
                        }
                        for ch in 0..<c {
                            let plane = px + (b * c + ch) * h * w, grad = pg + (b * c + ch) * positions
                            let dPlane = pdx.map { $0 + (b * c + ch) * h * w }
                            for p in 0..<positions {
                                let gp = Double(grad[p])
                                if gp == 0 { continue }
                                if let dPlane {
                                    for t in (p * taps)..<((p + 1) * taps) where offsets[t] >= 0 {
                                        dPlane[offsets[t]] += T(gp * weights[t])
                                    }
                                }
                                guard slopes else { continue }
                                var sx = 0.0, sy = 0.0
                                for t in (p * taps)..<((p + 1) * taps) where offsets[t] >= 0 {
                                    let v = Double(plane[offsets[t]])
                                    sx += v * slopeX[t]
                                    sy += v * slopeY[t]
                                }
                                let g = (b * positions + p) * 2
                                dGrid[g] += gp * sx
                                dGrid[g + 1] += gp * sy
                            }
                        }
                    }
                }
            }
        }
        return (dx, wantGrid ? dGrid : nil)
    }
}
