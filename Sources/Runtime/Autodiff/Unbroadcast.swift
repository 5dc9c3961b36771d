/// Gradient plumbing shared by every rule: undoing numpy broadcasting (once, centrally) and
/// accumulating gradients of values read by several nodes.
enum GradientMath {
    /// Sums `g` over the axes along which a tensor of `shape` was broadcast to `g.shape`.
    static func sum(_ g: Tensor, toShape shape: [Int]) throws -> Tensor {
        if g.shape == shape { return g }
        let gShape = g.shape
        guard gShape.count >= shape.count else {
            throw RuntimeError.invalid("gradient of shape \(gShape) cannot be reduced to input shape \(shape)")
        }
        // Align `shape` to the right of g's shape, as broadcasting does.
        let aligned = [Int](repeating: 1, count: gShape.count - shape.count) + shape
        for (a, b) in zip(aligned, gShape) where a != b && a != 1 {
            throw RuntimeError.invalid("gradient of shape \(gShape) does not broadcast from input shape \(shape)")
        }
        let outCount = shape.reduce(1, *)
        let gStrides = Tensor.strides(of: gShape)
        let oStrides = Tensor.strides(of: aligned)
        // Target offset step per g-axis: 0 along broadcast axes.
        let step = aligned.indices.map { aligned[$0] == 1 ? 0 : oStrides[$0] }
        let src = g.plain()
        if src.dtype == .float32 {
            var out = Tensor(zeros: shape, dtype: .float32)
            src.withUnsafeBufferPointer(as: Float.self) { gp in
                out.withUnsafeMutableBufferPointer(as: Float.self) { op in
                    accumulate(gp, op, gShape, step, gStrides)
                }
            }
            return out
        }
        var out = [Double](repeating: 0, count: outCount)
        let gd = src.doubles
        gd.withUnsafeBufferPointer { gp in out.withUnsafeMutableBufferPointer { op in accumulate(gp, op, gShape, step, gStrides) } }
        return Tensor(shape: shape, dtype: g.dtype, doubles: out)
    }

    /// out[Σ idx·step] += g[idx] over every index of `gShape` (odometer, innermost axis as a loop).
    private static func accumulate<T: FloatingPoint>(_ g: UnsafeBufferPointer<T>, _ out: UnsafeMutableBufferPointer<T>,
                                                     _ gShape: [Int], _ step: [Int], _ gStrides: [Int]) {
        let rank = gShape.count
        if g.isEmpty { return }
        if rank == 0 { out[0] += g[0]; return }
        let inner = gShape[rank - 1], innerStep = step[rank - 1]
        var idx = [Int](repeating: 0, count: rank)
        var gOff = 0, oOff = 0
        while true {
            var o = oOff
            for k in 0..<inner { out[o] += g[gOff + k]; o += innerStep }
            // Advance the outer axes.
            var ax = rank - 2
            while ax >= 0 {
                idx[ax] += 1
                gOff += gStrides[ax]
                oOff += step[ax]
                if idx[ax] < gShape[ax] { break }
                gOff -= gStrides[ax] * gShape[ax]
                oOff -= step[ax] * gShape[ax]
                idx[ax] = 0
                ax -= 1
            }
            if ax < 0 { return }
        }
    }

    /// a + b for gradients of the same shape and dtype.
    static func add(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard a.shape == b.shape, a.dtype == b.dtype else {
            throw RuntimeError.invalid("cannot accumulate gradients \(a.dtype)\(a.shape) and \(b.dtype)\(b.shape)")
        }
        var out = a.plain()
        let bp = b.plain()
        if out.dtype == .float32 {
            bp.withUnsafeBufferPointer(as: Float.self) { q in
                out.withUnsafeMutableBufferPointer(as: Float.self) { p in for i in p.indices { p[i] += q[i] } }
            }
            return out
        }
        return Tensor(shape: a.shape, dtype: a.dtype, doubles: zip(out.doubles, bp.doubles).map { $0 + $1 })
    }

    /// A tensor of ones (the default cotangent).
    static func ones(like t: Tensor) -> Tensor {
        Tensor(shape: t.shape, dtype: t.dtype, doubles: [Double](repeating: 1, count: t.count))
    }
}
