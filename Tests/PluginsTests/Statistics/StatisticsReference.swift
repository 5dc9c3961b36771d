import Foundation
import ONNXTestSupport
import Plugins
import Runtime
import XCTest

/// Runs scripts/tools/fsd_reference.py (numpy + scipy) on two tallies' per-image matrices.
enum StatisticsReference {
    static func run(_ command: String, real: SegmentationTally, generated: SegmentationTally, extra: [String] = []) throws -> [String: Any] {
        let dir = try StatisticsTestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = dir + "/real.npy", g = dir + "/gen.npy"
        try NPY.write(try XCTUnwrap(real.perImageTensor()), to: r)
        try NPY.write(try XCTUnwrap(generated.perImageTensor()), to: g)
        let (status, output) = try OnnxRuntimeOracle.python("scripts/tools/fsd_reference.py", [command, r, g] + extra)
        guard status == 0, let line = output.split(separator: "\n").first,
              let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw ReferenceFailure(message: "fsd_reference.py failed (scipy 1.17.1 missing? run scripts/bootstrap.sh): \(output)")
        }
        return json
    }

    struct ReferenceFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// A JSON array with nulls as nil.
    static func doubles(_ json: [String: Any], _ key: String) -> [Double?] {
        (json[key] as? [Any] ?? []).map { $0 as? Double }
    }
}
