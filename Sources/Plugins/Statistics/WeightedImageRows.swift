import COpenBLAS
import Runtime

/// One set's per-image area vectors (percent), restricted to a list of classes, laid out so that
/// the moments of any reweighting (a bootstrap resample's multiplicities, a random half's 0/1)
/// are fast: sparse rows when images hold few classes (label maps: ~10 of 336), a dense
/// centred matrix for BLAS dsyrk otherwise.
struct WeightedImageRows {
    let count: Int
    /// Classes kept (indices into the tally's classes), ascending.
    let classes: [Int]
    private let layout: Layout

    private enum Layout {
        /// Nonzero entries per image, columns ascending.
        case sparse(rowStart: [Int], columns: [Int], values: [Double])
        /// count × classes, minus `center` (the unweighted mean), which keeps Σwxxᵀ − N·x̄x̄ᵀ
        /// free of cancellation.
        case dense(centred: [Double], center: [Double])
    }

    init(_ tally: SegmentationTally, classes: [Int]) {
        let k = tally.classCount, n = classes.count
        count = tally.count
        self.classes = classes
        var rowStart = [0], columns: [Int] = [], values: [Double] = []
        var pairs = 0
        for i in 0..<count {
            for (c, cls) in classes.enumerated() where tally.perImage[i * k + cls] != 0 {
                columns.append(c)
                values.append(tally.perImage[i * k + cls])
            }
            let nnz = columns.count - rowStart[i]
            pairs += nnz * (nnz + 1) / 2
            rowStart.append(columns.count)
        }
        // A scattered scalar update costs about as much as 16 multiply-adds inside dsyrk.
        if pairs * 16 <= count * n * (n + 1) / 2 {
            layout = .sparse(rowStart: rowStart, columns: columns, values: values)
            return
        }
        var center = [Double](repeating: 0, count: n)
        for i in 0..<count { for (c, cls) in classes.enumerated() { center[c] += tally.perImage[i * k + cls] } }
        for c in 0..<n { center[c] /= Double(max(count, 1)) }
        var centred = [Double](repeating: 0, count: count * n)
        for i in 0..<count { for (c, cls) in classes.enumerated() { centred[i * n + c] = tally.perImage[i * k + cls] - center[c] } }
        layout = .dense(centred: centred, center: center)
    }

    var isSparse: Bool { if case .sparse = layout { return true } else { return false } }

    /// Mean and unbiased covariance (classes × classes) of the images repeated `weights[i]` times
    /// (Σ weights = total ≥ 2).
    func moments(weights: [Int32], total: Int) -> (mean: [Double], covariance: [Double]) {
        let n = classes.count, nTotal = Double(total)
        var s1 = [Double](repeating: 0, count: n)
        var s2 = [Double](repeating: 0, count: n * n)
        var shift = [Double](repeating: 0, count: n)
        switch layout {
        case let .sparse(rowStart, columns, values):
            s2.withUnsafeMutableBufferPointer { p in
                for i in 0..<count where weights[i] != 0 {
                    let w = Double(weights[i])
                    for a in rowStart[i]..<rowStart[i + 1] {
                        let ca = columns[a], va = values[a] * w, row = ca * n
                        s1[ca] += va
                        for b in a..<rowStart[i + 1] { p[row + columns[b]] += va * values[b] }
                    }
                }
            }
        case let .dense(centred, center):
            shift = center
            // Rows scaled by √wᵢ, so that YᵀY = Σ wᵢ xᵢxᵢᵀ.
            var y = [Double]()
            y.reserveCapacity(count * n)
            var rows = 0
            for i in 0..<count where weights[i] != 0 {
                let w = Double(weights[i]), root = w.squareRoot()
                for c in 0..<n {
                    s1[c] += w * centred[i * n + c]
                    y.append(root * centred[i * n + c])
                }
                rows += 1
            }
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(n), Int32(rows), 1, y, Int32(n), 0, &s2, Int32(n))
        }
        var mean = [Double](repeating: 0, count: n)
        var cov = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            mean[i] = s1[i] / nTotal + shift[i]
            for j in i..<n {
                let v = (s2[i * n + j] - s1[i] * s1[j] / nTotal) / (nTotal - 1)
                cov[i * n + j] = v
                cov[j * n + i] = v
            }
        }
        return (mean, cov)
    }
}
