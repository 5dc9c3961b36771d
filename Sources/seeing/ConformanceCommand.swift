import ArgumentParser
import Conformance
import Foundation
import Runtime

extension BackendKind: ExpressibleByArgument {}

/// `seeing conformance`: runs the ONNX node tests (see Conformance.ConformanceRunner).
struct ConformanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conformance",
        abstract: "Run the ONNX node conformance tests.",
        discussion: """
        Test data comes from --data-root, else $\(ConformanceSuite.rootEnvironmentVariable), \
        else \(ConformanceSuite.defaultRoot). The last line is always 'N passed, N failed'.
        """
    )

    @Option(name: .customLong("data-root"), help: "Directory holding one folder per node test.")
    var dataRoot: String?

    @Option(name: .long, help: "Run tests whose name contains this text (repeatable).")
    var filter: [String] = []

    @Option(name: .long, help: "Run tests whose name starts with this text (repeatable).")
    var prefix: [String] = []

    @Option(name: .long, help: "Backend to run on (repeatable: \(BackendKind.allCases.map(\.rawValue).joined(separator: ", "))).")
    var backend: [BackendKind] = []

    @Flag(name: .long, help: "Run only the manifest's 'pass' tests; fail if any fails.")
    var manifest = false

    @Flag(name: .customLong("report-new"), help: "Run the manifest's excluded tests and print those that now pass.")
    var reportNew = false

    @Flag(name: .customLong("write-manifest"), help: "Run all tests on every backend and rewrite the manifest, keeping hand-written reasons.")
    var writeManifest = false

    @Option(name: .customLong("manifest-path"), help: "The manifest file.")
    var manifestPath = "Tests/ConformanceTests/manifest.txt"

    @Flag(name: [.short, .long], help: "Print a PASS/FAIL line per test.")
    var verbose = false

    @Flag(name: .customLong("by-op"), help: "Print per-op pass counts ('op Conv: 6/6').")
    var byOp = false

    func validate() throws {
        if [manifest, reportNew, writeManifest].filter({ $0 }).count > 1 {
            throw ValidationError("--manifest, --report-new and --write-manifest are exclusive")
        }
    }

    func run() throws {
        let suite = ConformanceSuite(root: dataRoot)
        guard suite.exists else {
            throw ValidationError("conformance data root \(suite.root) does not exist (set --data-root or $\(ConformanceSuite.rootEnvironmentVariable))")
        }
        var runner = ConformanceRunner(suite: suite, manifestPath: manifestPath)
        runner.filters = filter
        runner.prefixes = prefix
        runner.verbose = verbose
        runner.byOp = byOp
        runner.mode = manifest ? .manifest : reportNew ? .reportNew : writeManifest ? .writeManifest : .all
        // A manifest 'pass' means: passes on every backend.
        runner.backends = !backend.isEmpty ? backend : writeManifest ? BackendKind.allCases : [.reference]
        let ok = try runner.run { line in
            print(line)
            fflush(stdout)
        }
        if !ok { throw ExitCode.failure }
    }
}
