/// Limited-memory BFGS with a strong-Wolfe line search (the original baseline's z refinement).
/// Works on a flat Double vector; `minimize` flattens named float32 tensors around it.
public struct LBFGS {
    public var history: Int
    public var maxIterations: Int
    /// Stop when the largest |gradient| component falls below this.
    public var gradientTolerance: Double
    /// Wolfe constants: sufficient decrease (c1) and curvature (c2).
    public var c1 = 1e-4
    public var c2 = 0.9
    public private(set) var evaluations = 0

    public init(history: Int = 10, maxIterations: Int = 100, gradientTolerance: Double = 1e-7) {
        self.history = history
        self.maxIterations = maxIterations
        self.gradientTolerance = gradientTolerance
    }

    /// Minimises f over named tensors; `f` returns the value and the gradient of each name.
    public mutating func minimize(_ start: [String: Tensor],
                                  _ f: ([String: Tensor]) throws -> (value: Double, gradients: [String: Tensor])) throws
        -> (parameters: [String: Tensor], value: Double) {
        let names = start.keys.sorted()
        let shapes = names.map { start[$0]!.shape }
        func unflatten(_ v: [Double]) -> [String: Tensor] {
            var out: [String: Tensor] = [:]
            var o = 0
            for (n, s) in zip(names, shapes) {
                let c = s.reduce(1, *)
                out[n] = Tensor(shape: s, floats: v[o..<(o + c)].map { Float($0) })
                o += c
            }
            return out
        }
        let x0 = names.flatMap { start[$0]!.doubles }
        let (x, v) = try minimize(x0) { x in
            let r = try f(unflatten(x))
            var g: [Double] = []
            for n in names {
                guard let t = r.gradients[n] else { throw RuntimeError.invalid("no gradient for '\(n)'") }
                g += t.doubles
            }
            return (r.value, g)
        }
        return (unflatten(x), v)
    }

    /// Minimises f over a flat vector.
    public mutating func minimize(_ x0: [Double], _ f: ([Double]) throws -> (Double, [Double])) throws -> ([Double], Double) {
        var x = x0
        var (fx, g) = try eval(f, x)
        var s: [[Double]] = [], y: [[Double]] = [], rho: [Double] = []
        for _ in 0..<maxIterations {
            if g.map(abs).max() ?? 0 <= gradientTolerance { break }
            // Two-loop recursion: d = −H g.
            var q = g
            var alphas = [Double](repeating: 0, count: s.count)
            for i in stride(from: s.count - 1, through: 0, by: -1) {
                alphas[i] = rho[i] * dot(s[i], q)
                axpy(-alphas[i], y[i], &q)
            }
            let gamma = s.isEmpty ? 1 / max(1, (dot(g, g)).squareRoot()) : dot(s.last!, y.last!) / dot(y.last!, y.last!)
            var d = q.map { $0 * gamma }
            for i in 0..<s.count {
                let beta = rho[i] * dot(y[i], d)
                axpy(alphas[i] - beta, s[i], &d)
            }
            d = d.map { -$0 }
            var dg = dot(g, d)
            if dg >= 0 {  // not a descent direction: restart from steepest descent
                s.removeAll(); y.removeAll(); rho.removeAll()
                d = g.map { -$0 / max(1, dot(g, g).squareRoot()) }
                dg = dot(g, d)
            }
            let (t, fNew, gNew) = try lineSearch(f, x, fx, g, d, dg)
            guard t > 0 else { break }
            var xNew = x
            axpy(t, d, &xNew)
            let sk = zip(xNew, x).map { $0 - $1 }, yk = zip(gNew, g).map { $0 - $1 }
            let sy = dot(sk, yk)
            if sy > 1e-10 {
                s.append(sk); y.append(yk); rho.append(1 / sy)
                if s.count > history { s.removeFirst(); y.removeFirst(); rho.removeFirst() }
            }
            let improvement = fx - fNew
            (x, fx, g) = (xNew, fNew, gNew)
            if abs(improvement) <= 1e-12 * max(1, abs(fx)) { break }
        }
        return (x, fx)
    }

    /// Strong-Wolfe line search by bracketing and bisection-style zoom (Nocedal & Wright 3.5).
    private mutating func lineSearch(_ f: ([Double]) throws -> (Double, [Double]), _ x: [Double], _ f0: Double,
                                     _ g0: [Double], _ d: [Double], _ dg0: Double) throws -> (Double, Double, [Double]) {
        func at(_ t: Double) throws -> (Double, [Double], Double) {
            var xt = x
            axpy(t, d, &xt)
            let (v, g) = try eval(f, xt)
            return (v, g, dot(g, d))
        }
        var tPrev = 0.0, fPrev = f0, dgPrev = dg0
        var t = 1.0
        for i in 0..<25 {
            let (ft, gt, dgt) = try at(t)
            if !ft.isFinite || ft > f0 + c1 * t * dg0 || (i > 0 && ft >= fPrev) {
                return try zoom(at, f0, dg0, lo: tPrev, fLo: fPrev, dgLo: dgPrev, hi: t)
            }
            if abs(dgt) <= -c2 * dg0 { return (t, ft, gt) }
            if dgt >= 0 { return try zoom(at, f0, dg0, lo: t, fLo: ft, dgLo: dgt, hi: tPrev) }
            (tPrev, fPrev, dgPrev) = (t, ft, dgt)
            t *= 2
        }
        let (ft, gt, _) = try at(tPrev)
        return (tPrev, ft, gt)
    }

    private func zoom(_ at: (Double) throws -> (Double, [Double], Double), _ f0: Double, _ dg0: Double,
                      lo: Double, fLo: Double, dgLo: Double, hi: Double) throws -> (Double, Double, [Double]) {
        var (lo, fLo, hi) = (lo, fLo, hi)
        var best: (Double, Double, [Double])? = nil
        for _ in 0..<30 {
            let t = (lo + hi) / 2
            let (ft, gt, dgt) = try at(t)
            if !ft.isFinite || ft > f0 + c1 * t * dg0 || ft >= fLo {
                hi = t
            } else {
                best = (t, ft, gt)
                if abs(dgt) <= -c2 * dg0 { return (t, ft, gt) }
                if dgt * (hi - lo) >= 0 { hi = lo }
                (lo, fLo) = (t, ft)
            }
            if abs(hi - lo) < 1e-12 { break }
        }
        if let b = best { return b }
        if lo > 0 { let (ft, gt, _) = try at(lo); return (lo, ft, gt) }
        return (0, f0, [])
    }

    private mutating func eval(_ f: ([Double]) throws -> (Double, [Double]), _ x: [Double]) throws -> (Double, [Double]) {
        evaluations += 1
        return try f(x)
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }

    private func axpy(_ a: Double, _ x: [Double], _ y: inout [Double]) {
        for i in y.indices { y[i] += a * x[i] }
    }
}
