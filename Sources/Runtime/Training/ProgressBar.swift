import Foundation

/// One-line progress on standard error: step, metrics, rate and ETA. Redraws at most 10×/s.
public final class ProgressBar {
    let total: Int
    let label: String
    let start = Date()
    var lastDraw = Date.distantPast
    let enabled: Bool

    public init(total: Int, label: String, enabled: Bool = true) {
        self.total = total
        self.label = label
        self.enabled = enabled
    }

    /// `done` steps completed so far (of `total`), `startedAt` the step this run began at.
    public func update(_ done: Int, startedAt: Int = 0, metrics: String = "", force: Bool = false) {
        guard enabled else { return }
        let now = Date()
        guard force || now.timeIntervalSince(lastDraw) >= 0.1 || done == total else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done - startedAt) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let line = String(format: "\r%@ %d/%d %@ %.2f it/s ETA %@", label, done, total, metrics, rate, ProgressBar.duration(eta))
        FileHandle.standardError.write(line.data(using: .utf8)!)
        if done == total { FileHandle.standardError.write("\n".data(using: .utf8)!) }
    }

    public func finish() {
        guard enabled else { return }
        FileHandle.standardError.write("\n".data(using: .utf8)!)
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(t % 3600 / 60)m" : t >= 60 ? "\(t / 60)m\(t % 60)s" : "\(t)s"
    }
}
