import Foundation
import Importer
import ONNXTestSupport
import Plugins
import Runtime
import XCTest

/// Checks every architecture test shares: our runtime against onnxruntime on the exported
/// graph, and weights surviving build → state dict → build.
enum NetworkChecks {
    /// The state dict with BatchNorm statistics, affine terms and biases made non-trivial
    /// (a fresh network's BatchNorms are identities, which would hide a wrong wiring).
    static func perturbed(_ sd: StateDict, seed: UInt64) -> StateDict {
        var rng = SeededRandom(seed: seed)
        var out = StateDict()
        for name in sd.names {
            var t = sd[name]!
            if t.rank == 1 {
                let isVar = name.hasSuffix("running_var"), isScale = name.hasSuffix(".weight")
                t.withUnsafeMutableBufferPointer(as: Float.self) { p in
                    for i in p.indices {
                        p[i] = isVar ? Float(0.5 + rng.uniform()) : isScale ? Float(1 + 0.2 * rng.normal()) : Float(0.2 * rng.normal())
                    }
                }
            }
            out[name] = t
        }
        return out
    }

    /// Runs `built` in a Session and onnxruntime on its ONNX export; asserts every output and
    /// named layer agrees to `tolerance` (max |diff| / max |reference|) and returns ours.
    @discardableResult
    static func assertMatchesOnnxRuntime(_ built: BuiltNetwork, feeds: [String: Tensor], tolerance: Double = 1e-4,
                                         file: StaticString = #filePath, line: UInt = #line) throws -> [String: Tensor] {
        let names = Array(NSOrderedSet(array: built.outputs + built.namedLayers)) as! [String]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seeing-nets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("net.onnx").path
        try ONNXExporter.write(built.model, to: path)
        let theirs = try OnnxRuntimeOracle.run(model: path, feeds: feeds, outputs: names)
        let ours = try Session(model: built.model).run(feeds, outputs: names)
        for name in names {
            guard let a = ours[name], let b = theirs[name] else {
                XCTFail("\(name): missing from \(ours[name] == nil ? "our" : "onnxruntime's") outputs", file: file, line: line)
                continue
            }
            XCTAssertEqual(a.shape, b.shape, "\(name) shape", file: file, line: line)
            let err = OnnxRuntimeOracle.relativeError(a, b)
            XCTAssertLessThanOrEqual(err, tolerance, "\(name): relative error \(err) against onnxruntime", file: file, line: line)
        }
        return ours
    }

    /// build → state dict → build (another seed) loads every tensor back, exactly.
    static func assertRoundTrip(_ built: BuiltNetwork, rebuild: (StateDict) throws -> BuiltNetwork,
                                file: StaticString = #filePath, line: UInt = #line) throws {
        let sd = built.stateDict
        XCTAssertFalse(sd.isEmpty, file: file, line: line)
        let again = try rebuild(sd)
        XCTAssertTrue(again.report.isExact, "\(again.report)", file: file, line: line)
        XCTAssertEqual(again.report.loaded, sd.names, file: file, line: line)
        XCTAssertEqual(again.stateDict.names, sd.names, file: file, line: line)
        for name in sd.names where again.model.graph.initializers[name]?.floats != sd[name]!.floats {
            XCTFail("\(name) changed in the round trip", file: file, line: line)
        }
    }

    /// Parameters as PyTorch counts them: everything but BatchNorm running statistics.
    static func torchParameterCount(_ sd: StateDict) -> Int {
        sd.names.filter { !$0.hasSuffix("running_mean") && !$0.hasSuffix("running_var") }.reduce(0) { $0 + sd[$1]!.count }
    }
}
