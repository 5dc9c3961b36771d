import Foundation
import Runtime
import XCTest

/// A PyTorch reference written by scripts/tools/make_network_fixtures.py: NAME.json maps each
/// tensor name to its shape and offset (in floats) into NAME.bin (float32, little-endian).
/// Parameters keep their state-dict names; inputs and outputs are `input.…` and `output.…`.
struct TorchFixture {
    var tensors: StateDict

    init(_ name: String) throws {
        let json = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "TorchFixtures"), "no \(name).json")
        let bin = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "bin", subdirectory: "TorchFixtures"), "no \(name).bin")
        let index = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: [String: Any]])
        let data = try Data(contentsOf: bin)
        var entries: [(offset: Int, name: String, tensor: Tensor)] = []
        for (name, entry) in index {
            let shape = try XCTUnwrap(entry["shape"] as? [Int]), offset = try XCTUnwrap(entry["offset"] as? Int)
            let count = shape.reduce(1, *)
            guard (offset + count) * 4 <= data.count else { throw RuntimeError.invalid("fixture \(name) is truncated") }
            let floats = data.withUnsafeBytes { raw in
                (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: (offset + $0) * 4, as: UInt32.self))) }
            }
            entries.append((offset, name, Tensor(shape: shape, floats: floats)))
        }
        tensors = StateDict(entries.sorted { $0.offset < $1.offset }.map { ($0.name, $0.tensor) })
    }

    /// The parameters (everything but `input.…` and `output.…`), in the file's order.
    var weights: StateDict {
        StateDict(tensors.names.filter { !$0.hasPrefix("input.") && !$0.hasPrefix("output.") }.map { ($0, tensors[$0]!) })
    }

    func callAsFunction(_ name: String) throws -> Tensor { try XCTUnwrap(tensors[name], "fixture has no \(name)") }
}
