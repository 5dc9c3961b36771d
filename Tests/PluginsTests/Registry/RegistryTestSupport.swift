import Foundation
import ONNXTestSupport
import Plugins
import Runtime
import XCTest

/// Temporary registries for the registry tests.
enum RegistryFixture {
    static func tempDir() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("seeing-registry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d.path
    }

    static func digest(_ path: String) throws -> (sha256: String, bytes: Int) {
        let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? -1
        return (try SHA256.hex(file: path), bytes)
    }

    /// A folder with the three tiny ONNX models and a plugins.json that adds them purely as JSON.
    static func tinyRegistry() throws -> (dir: String, plugins: String) {
        let dir = try tempDir()
        return (dir, try TinyModels.makeRegistry(in: dir, digest: digest))
    }

    /// The repository's plugins.json with its real models; skips when a model's files are not fetched.
    static func repositoryZoo() throws -> Zoo {
        try Zoo(path: OnnxRuntimeOracle.repoRoot.appendingPathComponent("plugins.json").path)
    }

    static func skipIfMissing<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as PluginError where e.kind == .missingFile {
            throw XCTSkip("\(e.message) (scripts/test.sh fetches it)")
        }
    }

    /// Rewrites plugins.json at `path` through `edit` on its text.
    static func edit(_ path: String, _ edit: (String) -> String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try edit(text).write(toFile: path, atomically: true, encoding: .utf8)
    }
}

func XCTAssertThrowsPluginError(_ kind: PluginError.Kind, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line,
                                _ body: () throws -> Any) {
    do {
        _ = try body()
        XCTFail("expected a \(kind) error", file: file, line: line)
    } catch let e as PluginError {
        XCTAssertEqual(e.kind, kind, "\(e)", file: file, line: line)
        for f in fragments { XCTAssertTrue(e.message.contains(f), "'\(f)' not in: \(e.message)", file: file, line: line) }
    } catch {
        XCTFail("expected a PluginError, got \(error)", file: file, line: line)
    }
}
