import Foundation
import ONNXTestSupport
import Plugins
import XCTest

/// The committed decoding fixtures and the pixel values make_fixtures.py recorded for them
/// (numpy for PNGs, Pillow for JPEGs and resizes).
enum ImageFixtures {
    struct Expected: Decodable {
        let width: Int
        let height: Int
        let pixels: [UInt8]
    }

    static func path(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw XCTSkip("fixture \(name) is not in the test bundle")
        }
        return url.path
    }

    static func json() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: try path("expected.json")))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func expected(_ key: String, in group: String? = nil) throws -> Expected {
        var object: Any = try json()
        for k in [group, key].compactMap({ $0 }) {
            object = try XCTUnwrap((object as? [String: Any])?[k], "expected.json has no \(k)")
        }
        let data = try JSONSerialization.data(withJSONObject: object)
        return try JSONDecoder().decode(Expected.self, from: data)
    }

    /// models/cache/images/<name> from scripts/fetch-models.py, or a skip.
    static func cachedPhoto(_ name: String) throws -> String {
        try OnnxRuntimeOracle.modelPath("models/cache/images/\(name)")
    }

    /// Largest per-byte difference between two pixel arrays of equal length.
    static func maxDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
        zip(a, b).map { abs(Int($0) - Int($1)) }.max() ?? 0
    }
}
