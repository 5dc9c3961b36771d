import Foundation

/// Tests/ConformanceTests/manifest.txt: which node tests must pass, and why each other one is
/// excluded. One test per line: `pass  test_abs` or `exclude test_x  reason`; `#` comments,
/// among them `# scope: Abs Add …` listing the in-scope op set.
public struct Manifest {
    public enum Entry: Equatable {
        case pass(String)
        case exclude(String, reason: String)

        public var name: String {
            switch self {
            case .pass(let n), .exclude(let n, _): return n
            }
        }
    }

    public var entries: [Entry]
    public var scope: [String]

    public init(entries: [Entry], scope: [String]) {
        self.entries = entries
        self.scope = scope
    }

    public var passNames: [String] { entries.compactMap { if case .pass(let n) = $0 { return n } else { return nil } } }
    public var excluded: [(name: String, reason: String)] {
        entries.compactMap { if case .exclude(let n, let r) = $0 { return (n, r) } else { return nil } }
    }

    public static func read(path: String) throws -> Manifest {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConformanceError("cannot read manifest \(path): \(error.localizedDescription)")
        }
        return try parse(text, source: path)
    }

    public static func parse(_ text: String, source: String = "manifest") throws -> Manifest {
        var entries: [Entry] = []
        var scope: [String] = []
        var seen = Set<String>()
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let body = line.dropFirst().trimmingCharacters(in: .whitespaces)
                if body.hasPrefix("scope:") {
                    scope += body.dropFirst("scope:".count).split(separator: " ").map(String.init)
                }
                continue
            }
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            guard parts.count >= 2 else { throw ConformanceError("\(source):\(i + 1): expected 'pass NAME' or 'exclude NAME REASON', got '\(line)'") }
            let name = String(parts[1])
            guard seen.insert(name).inserted else { throw ConformanceError("\(source):\(i + 1): \(name) is listed twice") }
            switch parts[0] {
            case "pass":
                guard parts.count == 2 else { throw ConformanceError("\(source):\(i + 1): 'pass' takes only a test name, got '\(line)'") }
                entries.append(.pass(name))
            case "exclude":
                let reason = parts.count > 2 ? parts[2].trimmingCharacters(in: .whitespaces) : ""
                guard !reason.isEmpty else { throw ConformanceError("\(source):\(i + 1): exclusion of \(name) has no reason") }
                entries.append(.exclude(name, reason: reason))
            default:
                throw ConformanceError("\(source):\(i + 1): unknown kind '\(parts[0])' (expected pass or exclude)")
            }
        }
        return Manifest(entries: entries, scope: scope)
    }

    public var text: String {
        var lines = [
            "# ONNX node conformance tests (Tests/ConformanceTests/manifest.txt).",
            "# `pass NAME`: must pass on every backend. `exclude NAME REASON`: not run by the manifest test.",
            "# Regenerate with `swift run seeing conformance --write-manifest`: reasons starting with a generated",
            "# category (\(FailureCategory.allCases.map { "\"\($0.rawValue):\"" }.joined(separator: ", "))) are refreshed,",
            "# any other (hand-written) reason is kept while the test still fails.",
        ]
        var scopeLine = "# scope:"
        for op in scope {
            if scopeLine.count + op.count + 1 > 100 {
                lines.append(scopeLine)
                scopeLine = "# scope:"
            }
            scopeLine += " " + op
        }
        lines.append(scopeLine)
        lines.append("")
        for e in entries {
            switch e {
            case .pass(let n): lines.append("pass  \(n)")
            case .exclude(let n, let r): lines.append("exclude \(n)  \(r)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A manifest from fresh outcomes (one per test, already merged across backends).
    /// Reasons in `previous` that are not of a generated category are kept.
    public static func generate(outcomes: [ConformanceOutcome], scope: [String], previous: Manifest?) -> Manifest {
        var kept: [String: String] = [:]
        for (n, r) in previous?.excluded ?? [] where FailureCategory(reason: r) == nil { kept[n] = r }
        let entries = outcomes.sorted { $0.name < $1.name }.map { o -> Entry in
            guard let reason = o.reason else { return .pass(o.name) }
            return .exclude(o.name, reason: kept[o.name] ?? Self.oneLine(reason))
        }
        return Manifest(entries: entries, scope: scope)
    }

    /// Reasons live on one line; long messages are cut.
    static func oneLine(_ s: String) -> String {
        let flat = s.replacingOccurrences(of: "\n", with: " ")
        return flat.count > 300 ? String(flat.prefix(300)) + "…" : flat
    }

    /// Writes atomically (temp file + rename).
    public func write(to path: String) throws {
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw ConformanceError("cannot write manifest \(path): \(error.localizedDescription)")
        }
    }
}
