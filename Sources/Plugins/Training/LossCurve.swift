import Foundation

/// A training run's loss per step as CSV (`step,loss`, 1-based steps), written atomically.
public enum LossCurve {
    public static func write(_ losses: [Float], to path: String) throws {
        var text = "step,loss\n"
        for (i, l) in losses.enumerated() { text += "\(i + 1),\(l)\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    public static func read(_ path: String) throws -> [Float] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst().compactMap { line in
            line.split(separator: ",").last.flatMap { Float($0) }
        }
    }

    /// The curve in a few numbers: first, mean of each tenth, last.
    public static func summary(_ losses: [Float]) -> String {
        guard !losses.isEmpty else { return "no steps" }
        let tenth = max(losses.count / 10, 1)
        let means = stride(from: 0, to: losses.count, by: tenth).map { s -> String in
            let part = losses[s..<min(s + tenth, losses.count)]
            return String(format: "%.4g", part.reduce(0, +) / Float(part.count))
        }
        return "loss by tenths of training: " + means.joined(separator: " → ") + String(format: " (first %.4g, last %.4g)", losses.first!, losses.last!)
    }
}
