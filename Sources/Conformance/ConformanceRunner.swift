import Foundation
import Runtime

/// Selects conformance tests, runs them on one or more backends and prints the results; what
/// the `seeing conformance` command and the manifest test share.
public struct ConformanceRunner {
    public enum Mode: Sendable {
        /// Every test matching the filters.
        case all
        /// Only the manifest's `pass` tests; any failure fails the run.
        case manifest
        /// Only the manifest's excluded tests; prints those that now pass.
        case reportNew
        /// Every test; rewrites the manifest from the results (keeping hand-written reasons).
        case writeManifest
    }

    public var suite: ConformanceSuite
    public var backends: [BackendKind] = [.reference]
    public var mode: Mode = .all
    public var manifestPath: String
    /// Substrings; a test is selected when it contains any (all tests when empty).
    public var filters: [String] = []
    /// Prefixes; a test is selected when it starts with any (all tests when empty).
    public var prefixes: [String] = []
    /// Print one PASS/FAIL line per test.
    public var verbose = false
    /// Print `op Conv: 6/6` lines.
    public var byOp = false

    public init(suite: ConformanceSuite, manifestPath: String) {
        self.suite = suite
        self.manifestPath = manifestPath
    }

    /// The summary of a run: outcomes merged across backends (a test passes when it passes on
    /// every backend).
    public struct Summary {
        public var outcomes: [ConformanceOutcome]
        public var passed: Int { outcomes.filter(\.passed).count }
        public var failed: Int { outcomes.count - passed }
        /// What the closing line says.
        public var closingLine: String { "\(passed) passed, \(failed) failed" }
    }

    func selected(_ names: [String]) -> [String] {
        names.filter { n in
            (filters.isEmpty || filters.contains { n.contains($0) }) && (prefixes.isEmpty || prefixes.contains { n.hasPrefix($0) })
        }
    }

    /// Test names the mode and filters select.
    public func selection() throws -> [String] {
        switch mode {
        case .all, .writeManifest:
            return selected(try suite.testNames())
        case .manifest:
            return selected(try Manifest.read(path: manifestPath).passNames)
        case .reportNew:
            return selected(try Manifest.read(path: manifestPath).excluded.map(\.name))
        }
    }

    /// One test on every backend, merged: the first failure wins, named by its backend when
    /// several backends run.
    public func runOne(_ name: String) -> ConformanceOutcome {
        var merged: ConformanceOutcome? = nil
        for b in backends {
            var o = suite.run(name, backend: b)
            if let f = o.failure, f.category != .fails {
                return o // import-level reasons are the same on every backend
            }
            if backends.count > 1, let f = o.failure { o.failure = (f.category, "[\(b.rawValue)] \(f.message)") }
            if merged == nil || (merged!.passed && !o.passed) { merged = o }
        }
        return merged ?? ConformanceOutcome(name: name, backend: .reference, ops: [], failure: (.fails, "no backend selected"))
    }

    /// Runs the selection, printing through `print`; returns false when the run failed
    /// (`.manifest` mode with a failing test, or a manifest that cannot be read or written).
    public func run(print: (String) -> Void) throws -> Bool {
        let names = try selection()
        var outcomes: [ConformanceOutcome] = []
        for name in names {
            let o = runOne(name)
            outcomes.append(o)
            if verbose || (mode == .manifest && !o.passed) {
                print(o.passed ? "PASS \(name)" : "FAIL \(name): \(o.reason ?? "")")
            }
            if mode == .reportNew && o.passed { print("NEW PASS \(name)") }
        }
        let summary = Summary(outcomes: outcomes)
        if byOp {
            for line in Self.perOpLines(outcomes) { print(line) }
        }
        if mode == .writeManifest {
            try writeManifest(outcomes, print: print)
        }
        print(summary.closingLine)
        return mode != .manifest || summary.failed == 0
    }

    /// `op Conv: 6/6`, sorted by op.
    public static func perOpLines(_ outcomes: [ConformanceOutcome]) -> [String] {
        var total: [String: Int] = [:], pass: [String: Int] = [:]
        for o in outcomes {
            for op in o.ops {
                total[op, default: 0] += 1
                if o.passed { pass[op, default: 0] += 1 }
            }
        }
        return total.keys.sorted().map { "op \($0): \(pass[$0] ?? 0)/\(total[$0]!)" }
    }

    func writeManifest(_ outcomes: [ConformanceOutcome], print: (String) -> Void) throws {
        let previous = FileManager.default.fileExists(atPath: manifestPath) ? try Manifest.read(path: manifestPath) : nil
        let scope = OpRegistry.standard.allKeys.filter { $0.domain.isEmpty }.map(\.type)
        // With filters, only the selected tests are refreshed; the others keep their lines.
        var byName: [String: ConformanceOutcome] = [:]
        for o in outcomes { byName[o.name] = o }
        var all = outcomes
        for e in previous?.entries ?? [] where byName[e.name] == nil {
            switch e {
            case .pass(let n): all.append(ConformanceOutcome(name: n, backend: .reference, ops: [], failure: nil))
            case .exclude(let n, let r):
                all.append(ConformanceOutcome(name: n, backend: .reference, ops: [], failure: (FailureCategory(reason: r) ?? .fails, r)))
            }
        }
        var manifest = Manifest.generate(outcomes: all, scope: scope, previous: previous)
        // Entries carried over keep their reason text verbatim.
        let carried = Dictionary(uniqueKeysWithValues: (previous?.entries ?? []).map { ($0.name, $0) })
        manifest.entries = manifest.entries.map { e in byName[e.name] == nil ? (carried[e.name] ?? e) : e }
        for name in previous?.passNames ?? [] where byName[name].map({ !$0.passed }) ?? false {
            print("REGRESSION \(name): was 'pass', now \(byName[name]!.reason ?? "")")
        }
        try manifest.write(to: manifestPath)
        print("wrote \(manifestPath): \(manifest.passNames.count) pass, \(manifest.excluded.count) exclude")
    }
}
