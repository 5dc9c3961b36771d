import Foundation
import Importer
import XCTest

/// Files written by scripts/tools/make_checkpoint_fixtures.py (expected values in the tests
/// are the constants of that script).
enum CheckpointFixtures {
    static func path(_ name: String) throws -> String {
        let url = URL(fileURLWithPath: name)
        guard let found = Bundle.module.url(forResource: url.deletingPathExtension().lastPathComponent,
                                            withExtension: url.pathExtension, subdirectory: "Fixtures/checkpoints") else {
            throw XCTSkip("fixture checkpoints/\(name) missing from the test bundle")
        }
        return found.path
    }

    /// The error reading `name` throws (failing the test when it reads fine).
    static func error(reading name: String, file: StaticString = #filePath, line: UInt = #line) throws -> CheckpointError? {
        let p = try path(name)
        do {
            let c = try CheckpointReader.read(path: p)
            XCTFail("\(name) was read (\(c.stateDict.count) tensors) but should have been refused", file: file, line: line)
            return nil
        } catch let e as CheckpointError {
            return e
        } catch {
            XCTFail("\(name): expected a CheckpointError, got \(error)", file: file, line: line)
            return nil
        }
    }
}
