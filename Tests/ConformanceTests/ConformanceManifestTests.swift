import Conformance
import Foundation
import Runtime
import XCTest

/// Every `pass` test of manifest.txt must pass on each backend.
final class ConformanceManifestTests: XCTestCase {
    static let manifestPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("manifest.txt").path

    func runManifest(on backend: BackendKind) throws {
        let suite = ConformanceSuite()
        guard suite.exists else {
            throw XCTSkip("ONNX conformance data not found at \(suite.root); install libonnx-testdata or set \(ConformanceSuite.rootEnvironmentVariable)")
        }
        var runner = ConformanceRunner(suite: suite, manifestPath: Self.manifestPath)
        runner.mode = .manifest
        runner.backends = [backend]
        let names = try runner.selection()
        if names.isEmpty { throw XCTSkip("manifest.txt lists no 'pass' test yet") }
        var failures: [String] = []
        for name in names {
            let o = runner.runOne(name)
            if let r = o.reason { failures.append("\(name): \(r)") }
        }
        XCTAssert(failures.isEmpty, "\(failures.count) of \(names.count) manifest tests fail on \(backend):\n" + failures.joined(separator: "\n"))
    }

    func testManifestPassesOnReference() throws { try runManifest(on: .reference) }
    func testManifestPassesOnDNNL() throws { try runManifest(on: .dnnl) }

    /// Every test in the data root is accounted for, and every exclusion says why.
    func testManifestCoversEveryTest() throws {
        let suite = ConformanceSuite()
        guard suite.exists else { throw XCTSkip("ONNX conformance data not found at \(suite.root)") }
        let manifest = try Manifest.read(path: Self.manifestPath)
        let listed = Set(manifest.entries.map(\.name))
        let missing = try suite.testNames().filter { !listed.contains($0) }
        XCTAssert(missing.isEmpty, "tests missing from manifest.txt: \(missing.joined(separator: ", "))")
    }
}
