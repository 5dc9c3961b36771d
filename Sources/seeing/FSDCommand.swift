import ArgumentParser
import Foundation
import Plugins
import Runtime

struct FSDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsd",
        abstract: "Fréchet Segmentation Distance between two tallies, with its uncertainty, per-class tests and the chart.",
        discussion: """
        A is the real (training) set, B the generated one. Prints FSD with its mean and covariance \
        parts, a bootstrap interval (basic and percentile, both labelled), each set's \
        self-distance (FSD between two random halves of it), and the classes B makes significantly \
        less or more of (Welch's t-test per class, Benjamini–Hochberg q ≤ --fdr). Writes \
        DIR/chart.png (the paper's histogram: classes by A's mean area, top --top, class 0 left \
        out, * where significant), DIR/classes.csv (every class) and DIR/report.json (every number).
        """)

    @Argument(help: ArgumentHelp("The real (training) set's tally.", valueName: "A")) var real: String
    @Argument(help: ArgumentHelp("The generated set's tally.", valueName: "B")) var generated: String
    @Option(help: "Bootstrap resamples for the interval (0: none).") var bootstrap: Int = 200
    @Option(help: "Confidence of the interval.") var confidence: Double = 0.95
    @Option(help: "Classes shown in the chart (largest mean area in A first).") var top: Int = 30
    @Option(help: "Seed of the bootstrap and of the self-distance halves.") var seed: UInt64 = 1
    @Option(help: "False discovery rate of the per-class tests.") var fdr: Double = 0.05
    @Option(help: "Bootstrap threads (default: the CPU count).") var threads: Int?
    @Option(help: ArgumentHelp("Output folder for chart.png, classes.csv and report.json.", valueName: "dir")) var out: String
    @Option(help: "Chart subtitle (default: FSD, its interval and the image counts).") var subtitle: String?
    @Flag(help: "Print the report as JSON on standard output instead of text.") var json = false

    func validate() throws {
        guard bootstrap == 0 || bootstrap >= 2 else { throw ValidationError("--bootstrap must be 0 or at least 2, got \(bootstrap)") }
        guard confidence > 0, confidence < 1 else { throw ValidationError("--confidence must be in (0, 1), got \(confidence)") }
        guard fdr > 0, fdr < 1 else { throw ValidationError("--fdr must be in (0, 1), got \(fdr)") }
        guard top >= 1 else { throw ValidationError("--top must be at least 1, got \(top)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        var clock = Date()
        func lap() -> Double {
            let now = Date()
            defer { clock = now }
            return now.timeIntervalSince(clock)
        }
        let a = try SegmentationTally.read(from: real), b = try SegmentationTally.read(from: generated)
        try checkComparable(a, b)
        var seconds: [String: Double] = ["read": lap()]

        var options = FSDReport.Options()
        options.resamples = 0
        options.selfDistances = false
        options.seed = seed
        options.confidence = confidence
        options.falseDiscoveryRate = fdr
        var report = try FSDReport(real: a, generated: b, options: options)
        seconds["fsd"] = lap()
        // The self-distance needs per-image areas and two halves of at least 2 images.
        if a.keepsPerImage, a.count >= 4 { report.realSelfDistance = try FSDBootstrap.selfDistance(a, seed: seed) }
        if b.keepsPerImage, b.count >= 4 { report.generatedSelfDistance = try FSDBootstrap.selfDistance(b, seed: seed) }
        seconds["selfDistances"] = lap()
        if bootstrap > 0 {
            for (name, path, t) in [("A", real, a), ("B", generated, b)] where !t.keepsPerImage {
                throw CLIError("\(name) (\(path)) has no per-image areas (tallied with --no-per-image); the bootstrap needs them: use --bootstrap 0")
            }
            let bar = SendableProgress(ProgressBar(total: bootstrap, label: "bootstrap", unit: "resamples"))
            report.interval = try FSDBootstrap.interval(real: a, generated: b, resamples: bootstrap, confidence: confidence, seed: seed,
                                                        threads: threads ?? ProcessInfo.processInfo.activeProcessorCount,
                                                        progress: { bar.update($0) })
            seconds["bootstrap"] = lap()
        }

        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let files = ["chart": file("chart.png"), "csv": file("classes.csv"), "json": file("report.json")]
        try report.writeJSON(to: files["json"]!)
        try report.writeCSV(to: files["csv"]!)
        var chart = SegmentationChart.Options()
        chart.top = top
        chart.subtitle = subtitle ?? defaultSubtitle(report)
        let rows = report.classes.map {
            SegmentationChartData.Row(classIndex: $0.index, name: $0.name, realMean: $0.realMean, generatedMean: $0.generatedMean,
                                      significant: $0.excluded ? nil : $0.significant)
        }
        do {
            try SegmentationChart(rows: rows, options: chart).write(to: files["chart"]!)
        } catch {
            throw CLIError("cannot draw \(files["chart"]!): \(error)")
        }
        seconds["chart"] = lap()

        if json {
            let reportJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: files["json"]!)))
            let doc: [String: Any] = ["report": reportJSON, "files": files, "seconds": seconds]
            print(String(decoding: try JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
        } else {
            print(text(report, perImage: (a.keepsPerImage, b.keepsPerImage), seconds: seconds, files: files))
        }
    }

    /// Tallies are comparable when they have the same classes and come from the same
    /// segmenter through the same preprocessing.
    func checkComparable(_ a: SegmentationTally, _ b: SegmentationTally) throws {
        guard a.classCount == b.classCount else {
            throw CLIError("A (\(real)) has \(a.classCount) classes, B (\(generated)) has \(b.classCount): "
                + "tallies from different segmenters cannot be compared (A: \(a.provenance.segmenter); B: \(b.provenance.segmenter))")
        }
        if let c = (0..<a.classCount).first(where: { a.classNames[$0] != b.classNames[$0] }) {
            throw CLIError("the tallies label class \(c) differently: '\(a.classNames[c])' in A (\(real)), '\(b.classNames[c])' in B (\(generated))")
        }
        guard a.provenance.segmenter == b.provenance.segmenter else {
            throw CLIError("A (\(real)) and B (\(generated)) were segmented by different segmenters:\n  A: \(a.provenance.segmenter)\n  B: \(b.provenance.segmenter)")
        }
        guard a.provenance.preprocessing == b.provenance.preprocessing else {
            throw CLIError("A (\(real)) and B (\(generated)) were preprocessed differently:\n  A: \(a.provenance.preprocessing)\n  B: \(b.provenance.preprocessing)")
        }
        for (name, path, t) in [("A", real, a), ("B", generated, b)] {
            if t.provenance.shards != nil { throw CLIError("\(name) (\(path)) is one shard of a run: merge the shards first (seeing stats merge)") }
            guard t.count >= 2 else { throw CLIError("\(name) (\(path)) holds \(t.count) image(s); FSD needs at least 2 per set") }
        }
    }

    func defaultSubtitle(_ r: FSDReport) -> String {
        var s = String(format: "FSD %.2f", r.fsd.total)
        if let i = r.interval { s += String(format: " (%.0f%% basic interval %.2f–%.2f)", i.confidence * 100, i.basicLower, i.basicUpper) }
        return s + ", \(r.realCount) vs \(r.generatedCount) images"
    }

    func text(_ r: FSDReport, perImage: (a: Bool, b: Bool), seconds: [String: Double], files: [String: String]) -> String {
        func f(_ x: Double) -> String { abs(x) >= 1e4 && abs(x) < 1e12 ? String(format: "%.0f", x) : String(format: "%.4g", x) }
        func selfLine(_ d: FrechetDistance?, _ count: Int, _ kept: Bool) -> String {
            if let d { return f(d.total) }
            return kept ? "n/a (\(count) images; halves need 2 each)" : "n/a (no per-image areas)"
        }
        var lines = [
            "A (real): \(real), \(r.realCount) images",
            "B (generated): \(generated), \(r.generatedCount) images",
            "segmenter: \(r.realProvenance.segmenter)",
            "FSD(A, B) = \(f(r.fsd.total))   (mean part \(f(r.fsd.meanPart)), covariance part \(f(r.fsd.covariancePart)))",
        ]
        if let i = r.interval {
            let c = String(format: "%.0f%%", i.confidence * 100)
            lines.append("  \(c) bootstrap interval, basic:      \(f(i.basicLower)) … \(f(i.basicUpper))   (2·FSD − quantiles; use this one)")
            lines.append("  \(c) bootstrap interval, percentile: \(f(i.lower)) … \(f(i.upper))   (quantiles of \(i.resamples) resampled FSDs, seed \(i.seed); biased upwards)")
            lines.append("  bootstrap bias estimate \(f(i.bootstrapMean - r.fsd.total)); bias-corrected FSD \(f(2 * r.fsd.total - i.bootstrapMean)) (the basic interval's centre)")
        } else {
            lines.append("  no bootstrap interval (--bootstrap 0)")
        }
        lines.append("  self-distance (FSD between two random halves): A \(selfLine(r.realSelfDistance, r.realCount, perImage.a)), B \(selfLine(r.generatedSelfDistance, r.generatedCount, perImage.b))")
        let tested = r.classes.filter { !$0.excluded }
        let under = tested.filter { $0.significant && $0.direction == "under" }
        let over = tested.filter { $0.significant && $0.direction == "over" }
        lines.append("Per class (Welch's t-test, Benjamini–Hochberg q ≤ \(f(r.falseDiscoveryRate)), \(tested.count) class\(tested.count == 1 ? "" : "es") tested): "
            + "\(under.count) significantly under-produced, \(over.count) over-produced")
        for row in (under + over).prefix(2 * top) {
            let rel = row.relativeDifference.map { String(format: "%+.0f%%", $0 * 100) } ?? "new"
            lines.append(String(format: "  %@  %@: A %.4g%%, B %.4g%% (%@), q %.2g", row.direction == "under" ? "under" : "over ",
                                row.name, row.realMean, row.generatedMean, rel, row.q ?? 1))
        }
        let times = ["read", "fsd", "selfDistances", "bootstrap", "chart"].compactMap { k in seconds[k].map { "\(k) \(String(format: "%.3f", $0)) s" } }
        lines.append("time: " + times.joined(separator: ", "))
        lines.append("wrote \(files["chart"]!), \(files["csv"]!), \(files["json"]!)")
        return lines.joined(separator: "\n")
    }

    private func file(_ name: String) -> String { (out as NSString).appendingPathComponent(name) }
}

/// A progress bar driven from the bootstrap's worker threads, one call at a time.
final class SendableProgress: @unchecked Sendable {
    private let bar: ProgressBar
    init(_ bar: ProgressBar) { self.bar = bar }
    func update(_ done: Int) { bar.update(done) }
}
