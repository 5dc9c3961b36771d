/// Benjamini–Hochberg false-discovery-rate control.
public enum BenjaminiHochberg {
    /// Adjusted p-values (q-values) in the order of `p`: q₍ᵢ₎ = min over j ≥ i of p₍ⱼ₎·m/j
    /// for the ascending order p₍₁₎ ≤ … ≤ p₍ₘ₎, capped at 1. Rejecting every hypothesis with
    /// q ≤ α controls the false discovery rate at α.
    public static func qValues(_ p: [Double]) -> [Double] {
        let m = p.count
        let order = p.indices.sorted { p[$0] < p[$1] || (p[$0] == p[$1] && $0 < $1) }
        var q = [Double](repeating: 1, count: m)
        var running = 1.0
        for rank in stride(from: m, through: 1, by: -1) {
            let i = order[rank - 1]
            running = min(running, p[i] * Double(m) / Double(rank))
            q[i] = running
        }
        return q
    }
}
