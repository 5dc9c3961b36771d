import Foundation

/// One-line progress on standard error: step, metrics, rate and ETA. Redraws at most 10×/s.
public final class ProgressBar {
    let total: Int
    let label: String
    /// What a step is, for the rate ("it" → "it/s", "images" → "images/s").
    let unit: String
    let start = Date()
    var lastDraw = Date.distantPast
    let enabled: Bool
    /// On a terminal the line is redrawn in place; in a log, a line is printed every 10%.
    let interactive = isatty(STDERR_FILENO) != 0
    var lastDecile = -1

    public init(total: Int, label: String, unit: String = "it", enabled: Bool = true) {
        self.total = total
        self.label = label
        self.unit = unit
        self.enabled = enabled
    }

    /// `done` steps completed so far (of `total`), `startedAt` the step this run began at.
    public func update(_ done: Int, startedAt: Int = 0, metrics: String = "", force: Bool = false) {
        guard enabled else { return }
        let now = Date()
        if interactive {
            guard force || now.timeIntervalSince(lastDraw) >= 0.1 || done == total else { return }
        } else {
            let decile = total > 0 ? done * 10 / total : 10
            guard force || decile > lastDecile else { return }
            lastDecile = decile
        }
        lastDraw = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done - startedAt) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let line = String(format: "%@ %d/%d %@ %.2f %@/s ETA %@", label, done, total, metrics, rate, unit, ProgressBar.duration(eta))
        let text = interactive ? "\r" + line + (done == total ? "\n" : "") : line + "\n"
        FileHandle.standardError.write(text.data(using: .utf8)!)
    }

    public func finish() {
        guard enabled, interactive else { return }
        FileHandle.standardError.write("\n".data(using: .utf8)!)
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(t % 3600 / 60)m" : t >= 60 ? "\(t / 60)m\(t % 60)s" : "\(t)s"
    }
}
