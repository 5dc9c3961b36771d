/// Precomputed pooling windows. Spatial ranks 1–3 are lifted to three axes (leading axes of
/// size 1), and each axis lists, per output coordinate, the input coordinates its window
/// reads: a window is the Cartesian product of three short lists, so the hot loop has no
/// bounds tests.
struct PoolWindows {
    /// Input and output extents of the (depth, height, width) axes.
    let input: [Int]
    let output: [Int]
    /// Per axis: taps[a][first[a][o] ..< first[a][o + 1]] are the input coordinates read by
    /// output coordinate o, and padded[a][o] counts its taps inside the padded extent
    /// (AveragePool count_include_pad).
    let first: [[Int]]
    let taps: [[Int]]
    let padded: [[Int]]

    init(_ g: PoolGeometry) throws {
        let r = g.spatialRank
        guard (1...3).contains(r) else {
            throw RuntimeError.unsupported("pooling supports 1 to 3 spatial axes, got \(r) (input \(g.inputShape))")
        }
        let lift = 3 - r
        func lifted(_ v: [Int], _ fill: Int) -> [Int] { [Int](repeating: fill, count: lift) + v }
        input = lifted(g.inputSpatial, 1)
        output = lifted(g.outputSpatial, 1)
        let kernel = lifted(g.kernel, 1), strides = lifted(g.strides, 1), dilations = lifted(g.dilations, 1)
        let pb = lifted(g.padsBegin, 0), pe = lifted(g.padsEnd, 0)
        var first: [[Int]] = [], taps: [[Int]] = [], padded: [[Int]] = []
        for a in 0..<3 {
            var f = [0], t: [Int] = [], p: [Int] = []
            for o in 0..<output[a] {
                var inPad = 0
                for k in 0..<kernel[a] {
                    let pos = o * strides[a] - pb[a] + k * dilations[a]
                    if pos >= 0 && pos < input[a] { t.append(pos) }
                    if pos >= -pb[a] && pos < input[a] + pe[a] { inPad += 1 }
                }
                f.append(t.count)
                p.append(inPad)
            }
            first.append(f)
            taps.append(t)
            padded.append(p)
        }
        self.first = first
        self.taps = taps
        self.padded = padded
    }

    var inputPlane: Int { input[0] * input[1] * input[2] }
    var outputPlane: Int { output[0] * output[1] * output[2] }

    /// Reduces every window of `planes` consecutive (n, c) planes of `x` into `y`. When
    /// `argIndex` is given it receives each window's `R.argIndex` as a row-major offset into x.
    func reduce<R: WindowReducer>(_: R.Type, _ x: UnsafePointer<R.Element>, _ y: UnsafeMutablePointer<R.Element>,
                                  planes: Int, argIndex: UnsafeMutablePointer<Int64>? = nil) {
        let inPlane = inputPlane, outPlane = outputPlane
        let inH = input[1], inW = input[2]
        first[0].withUnsafeBufferPointer { fd in first[1].withUnsafeBufferPointer { fh in first[2].withUnsafeBufferPointer { fw in
        taps[0].withUnsafeBufferPointer { td in taps[1].withUnsafeBufferPointer { th in taps[2].withUnsafeBufferPointer { tw in
        padded[0].withUnsafeBufferPointer { pd in padded[1].withUnsafeBufferPointer { ph in padded[2].withUnsafeBufferPointer { pw in
            for plane in 0..<planes {
                let xp = x + plane * inPlane
                var out = plane * outPlane
                for od in 0..<output[0] {
                    for oh in 0..<output[1] {
                        for ow in 0..<output[2] {
                            var r = R()
                            for i in fd[od]..<fd[od + 1] {
                                let zd = td[i] * inH
                                for j in fh[oh]..<fh[oh + 1] {
                                    let zh = (zd + th[j]) * inW
                                    for k in fw[ow]..<fw[ow + 1] {
                                        let idx = zh + tw[k]
                                        r.add(xp[idx], at: idx)
                                    }
                                }
                            }
                            let valid = (fd[od + 1] - fd[od]) * (fh[oh + 1] - fh[oh]) * (fw[ow + 1] - fw[ow])
                            y[out] = r.finish(valid: valid, padded: pd[od] * ph[oh] * pw[ow])
                            if let argIndex { argIndex[out] = Int64(r.argIndex < 0 ? -1 : plane * inPlane + r.argIndex) }
                            out += 1
                        }
                    }
                }
            }
        }}}}}}}}}
    }
}

/// How one pooling op folds a window.
protocol WindowReducer {
    associatedtype Element
    init()
    mutating func add(_ v: Element, at index: Int)
    /// `valid`: taps inside the input; `padded`: taps inside the padded extent.
    func finish(valid: Int, padded: Int) -> Element
    /// Offset within the plane of the selected element (MaxPool), -1 when none.
    var argIndex: Int { get }
}

extension WindowReducer {
    var argIndex: Int { -1 }
}

/// Element types MaxPool handles natively.
protocol MaxPoolable: Comparable {
    /// Below every value (−∞ for floating point).
    static var lowest: Self { get }
}
extension Float: MaxPoolable { static var lowest: Float { -.infinity } }
extension Double: MaxPoolable { static var lowest: Double { -.infinity } }
extension Float16: MaxPoolable { static var lowest: Float16 { -.infinity } }
extension Int8: MaxPoolable { static var lowest: Int8 { .min } }
extension UInt8: MaxPoolable { static var lowest: UInt8 { .min } }

/// Maximum, first occurrence wins; NaN never compares greater, so it is skipped.
struct MaxReducer<T: MaxPoolable>: WindowReducer {
    var best = T.lowest
    var argIndex = -1
    init() {}
    @inline(__always) mutating func add(_ v: T, at index: Int) {
        if v > best || argIndex < 0 { best = v; argIndex = index }
    }
    @inline(__always) func finish(valid: Int, padded: Int) -> T { best }
}

/// Mean over the taps inside the input (count_include_pad = 0).
struct AverageReducer<T: BinaryFloatingPoint>: WindowReducer {
    var sum: T = 0
    init() {}
    @inline(__always) mutating func add(_ v: T, at index: Int) { sum += v }
    @inline(__always) func finish(valid: Int, padded: Int) -> T { valid > 0 ? sum / T(valid) : 0 }
}

/// Mean over the taps inside the padded extent (count_include_pad = 1): pads count as zeros.
struct PaddedAverageReducer<T: BinaryFloatingPoint>: WindowReducer {
    var sum: T = 0
    init() {}
    @inline(__always) mutating func add(_ v: T, at index: Int) { sum += v }
    @inline(__always) func finish(valid: Int, padded: Int) -> T { padded > 0 ? sum / T(padded) : 0 }
}

/// Plain sum (LpPool sums |x|^p; pads add nothing).
struct SumReducer<T: BinaryFloatingPoint>: WindowReducer {
    var sum: T = 0
    init() {}
    @inline(__always) mutating func add(_ v: T, at index: Int) { sum += v }
    @inline(__always) func finish(valid: Int, padded: Int) -> T { sum }
}

/// How one pooling op's window passes its output gradient back to the taps it read.
protocol WindowAdjoint {
    associatedtype Element: BinaryFloatingPoint
    /// Starts output element `window` (flat index into y) with gradient `dy`; `valid` and
    /// `padded` count its taps as in `WindowReducer.finish`.
    mutating func start(_ window: Int, dy: Element, valid: Int, padded: Int)
    /// The gradient the current window sends to input element `index` (flat index into x).
    func tap(_ index: Int) -> Element
}

/// Averages: every tap receives dy / count, the count being the taps inside the input, or
/// inside the padded extent with `includePad` (AveragePool count_include_pad).
struct AverageAdjoint<T: BinaryFloatingPoint>: WindowAdjoint {
    let includePad: Bool
    private var share: T = 0
    init(includePad: Bool) { self.includePad = includePad }
    @inline(__always) mutating func start(_ window: Int, dy: T, valid: Int, padded: Int) {
        let count = includePad ? padded : valid
        share = count > 0 ? dy / T(count) : 0
    }
    @inline(__always) func tap(_ index: Int) -> T { share }
}

/// Lp norms y = (Σ |x|^p)^(1/p): dy/dx = sign(x)·|x|^(p−1)·y^(1−p), zero where y = 0; p = 1
/// and p = 2 skip the powers.
struct LpAdjoint<T: FloatMath>: WindowAdjoint {
    let x: UnsafePointer<T>, y: UnsafePointer<T>
    let p: T
    private var factor: T = 0
    init(x: UnsafePointer<T>, y: UnsafePointer<T>, p: T) { (self.x, self.y, self.p) = (x, y, p) }
    @inline(__always) mutating func start(_ window: Int, dy: T, valid: Int, padded: Int) {
        let norm = y[window]
        if p == 1 { factor = norm > 0 ? dy : 0 }
        else if p == 2 { factor = norm > 0 ? dy / norm : 0 }
        else { factor = norm > 0 ? dy * T.power(norm, 1 - p) : 0 }
    }
    @inline(__always) func tap(_ index: Int) -> T {
        let v = x[index]
        if v == 0 || factor == 0 { return 0 }
        if p == 2 { return v * factor }
        let magnitude = p == 1 ? factor : T.power(abs(v), p - 1) * factor
        return v < 0 ? -magnitude : magnitude
    }
}

extension PoolWindows {
    /// The adjoint of `reduce`: every tap of a window receives `adjoint.tap` of that window's
    /// output gradient, added into `dx` (which must start zeroed).
    func spread<A: WindowAdjoint>(_ adjoint: inout A, _ dy: UnsafePointer<A.Element>, _ dx: UnsafeMutablePointer<A.Element>,
                                  planes: Int) {
        let inPlane = inputPlane, outPlane = outputPlane
        let inH = input[1], inW = input[2]
        first[0].withUnsafeBufferPointer { fd in first[1].withUnsafeBufferPointer { fh in first[2].withUnsafeBufferPointer { fw in
        taps[0].withUnsafeBufferPointer { td in taps[1].withUnsafeBufferPointer { th in taps[2].withUnsafeBufferPointer { tw in
        padded[0].withUnsafeBufferPointer { pd in padded[1].withUnsafeBufferPointer { ph in padded[2].withUnsafeBufferPointer { pw in
            for plane in 0..<planes {
                let base = plane * inPlane
                var out = plane * outPlane
                for od in 0..<output[0] {
                    for oh in 0..<output[1] {
                        for ow in 0..<output[2] {
                            let valid = (fd[od + 1] - fd[od]) * (fh[oh + 1] - fh[oh]) * (fw[ow + 1] - fw[ow])
                            adjoint.start(out, dy: dy[out], valid: valid, padded: pd[od] * ph[oh] * pw[ow])
                            for i in fd[od]..<fd[od + 1] {
                                let zd = td[i] * inH
                                for j in fh[oh]..<fh[oh + 1] {
                                    let zh = base + (zd + th[j]) * inW
                                    for k in fw[ow]..<fw[ow + 1] { dx[zh + tw[k]] += adjoint.tap(zh + tw[k]) }
                                }
                            }
                            out += 1
                        }
                    }
                }
            }
        }}}}}}}}}
    }
}
