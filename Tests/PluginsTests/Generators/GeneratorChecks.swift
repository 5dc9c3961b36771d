import Foundation
import Importer
import ONNXTestSupport
import Plugins
import Runtime
import XCTest

/// Helpers shared by the generator-builder tests.
enum GeneratorChecks {
    /// `n` seeded standard-normal latents of `size`.
    static func latents(_ n: Int, _ size: Int, seed: UInt64 = 42) -> Tensor {
        var rng = SeededRandom(seed: seed)
        return Tensor(shape: [n, size], floats: (0..<(n * size)).map { _ in Float(rng.normal()) })
    }

    static func run(_ net: BuiltNetwork, _ z: Tensor, _ outputs: [String]) throws -> [String: Tensor] {
        try Session(model: net.model).run([net.inputs[0]: z], outputs: outputs)
    }

    /// The network's parameters by name (its initializers less the builder's own constants,
    /// which are named `<architecture>.<hint>.<n>`).
    static func parameters(_ net: BuiltNetwork, architecture: String) -> StateDict {
        let g = net.model.graph
        return StateDict(g.initializerOrder.filter { !$0.hasPrefix(architecture + ".") }.compactMap { name in
            g.initializers[name].map { (name, $0) }
        })
    }

    /// Exports the network with ONNXExporter, runs the file with onnxruntime, and compares
    /// `outputs` with our Session's.
    static func assertMatchesOnnxRuntime(_ net: BuiltNetwork, z: Tensor, outputs: [String], tolerance: Double = 1e-4,
                                         file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seeing-gen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("model.onnx").path
        try ONNXExporter.write(net.model, to: path)
        let ours = try run(net, z, outputs)
        let theirs = try OnnxRuntimeOracle.run(model: path, feeds: [net.inputs[0]: z], outputs: outputs)
        for o in outputs {
            let a = try XCTUnwrap(ours[o], file: file, line: line), b = try XCTUnwrap(theirs[o], "onnxruntime gave no \(o)", file: file, line: line)
            XCTAssertEqual(a.shape, b.shape, o, file: file, line: line)
            XCTAssertLessThanOrEqual(OnnxRuntimeOracle.relativeError(a, b), tolerance, "\(o) differs from onnxruntime", file: file, line: line)
        }
    }

    /// The message of the error `body` throws (fails when it does not throw).
    static func errorMessage(_ body: () throws -> Any, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try body()
            XCTFail("expected an error", file: file, line: line)
            return ""
        } catch {
            return "\(error)"
        }
    }
}
