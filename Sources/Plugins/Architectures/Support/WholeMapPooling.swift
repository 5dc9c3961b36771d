import Runtime

/// Pooling a whole feature map to s×s bins (a pyramid pooling module's branches). Both kinds
/// are separable linear maps, so an n-long axis pooled to s bins is an s×n matrix and the
/// 2-D pooling is `P_h · X · P_wᵀ`: exact, and plain ONNX (MatMul) for sizes that do not divide.
public enum WholeMapPooling: String, CaseIterable {
    /// nn.AdaptiveAvgPool2d: bin i averages the pixels [floor(i·n/s), ceil((i+1)·n/s)).
    case adaptiveAverage
    /// PrRoIPool2D(s, s, 1.0) on the roi (0, 0, W, H), as the original segmenter calls it: bin i
    /// is the integral of the map's bilinear interpolant (pixel j sits at coordinate j; zero
    /// past the last pixel) over [i·n/s, (i+1)·n/s], divided by the bin width. The roi reaching
    /// n, not n − 1, weighs the last row and column less than adaptive pooling does.
    case preciseRoI

    /// The s×n matrix pooling an n-long axis to s bins (row i: the weights of bin i).
    public func matrix(from n: Int, to s: Int) -> [[Double]] {
        switch self {
        case .adaptiveAverage:
            return (0..<s).map { i in
                let lo = i * n / s, hi = ((i + 1) * n + s - 1) / s
                return (0..<n).map { j in j >= lo && j < hi ? 1 / Double(hi - lo) : 0 }
            }
        case .preciseRoI:
            let width = Double(n) / Double(s)
            return (0..<s).map { i in
                let lo = Double(i) * width, hi = lo + width
                return (0..<n).map { j in (Self.hatIntegral(hi - Double(j)) - Self.hatIntegral(lo - Double(j))) / width }
            }
        }
    }

    /// ∫_{-∞}^{t} max(0, 1 − |u|) du: the antiderivative of the bilinear (hat) weight.
    static func hatIntegral(_ t: Double) -> Double {
        if t <= -1 { return 0 }
        if t <= 0 { return (t + 1) * (t + 1) / 2 }
        if t <= 1 { return 1 - (1 - t) * (1 - t) / 2 }
        return 1
    }
}

extension NetworkBuilder {
    /// Pools x (N, C, h, w) to (N, C, s, s). Adaptive average pooling whose bins tile the map
    /// evenly is an AveragePool; everything else is `P_h · x · P_wᵀ` with constant matrices.
    public mutating func poolWholeMap(_ x: String, height h: Int, width w: Int, to s: Int, _ kind: WholeMapPooling) -> String {
        if kind == .adaptiveAverage && h % s == 0 && w % s == 0 {
            return op("AveragePool", [x], ["kernel_shape": .ints([h / s, w / s]), "strides": .ints([h / s, w / s])])
        }
        let ph = kind.matrix(from: h, to: s), pw = kind.matrix(from: w, to: s)
        // Pwᵀ is w×s: element (j, i) = pw[i][j].
        let pwT = (0..<w).flatMap { j in (0..<s).map { i in Float(pw[i][j]) } }
        let rows = op("MatMul", [x, constant(Tensor(shape: [w, s], floats: pwT), "pool_cols")])
        return op("MatMul", [constant(Tensor(shape: [s, h], floats: ph.flatMap { row in row.map { Float($0) } }), "pool_rows"), rows])
    }
}
