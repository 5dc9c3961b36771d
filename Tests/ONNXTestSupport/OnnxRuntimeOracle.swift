import Foundation
import Importer
import Runtime
import XCTest

/// Runs onnxruntime (through scripts/tools/ort_run.py) on the same inputs as our runtime; shared
/// by every test target that checks a graph against it.
public enum OnnxRuntimeOracle {
    public static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func modelPath(_ relative: String) throws -> String {
        let p = repoRoot.appendingPathComponent(relative).path
        guard FileManager.default.fileExists(atPath: p) else {
            throw XCTSkip("\(relative) is missing: run scripts/fetch-models.py (scripts/test.sh does)")
        }
        return p
    }

    /// Outputs of onnxruntime for `feeds`, by value name.
    public static func run(model: String, feeds: [String: Tensor], outputs: [String]) throws -> [String: Tensor] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seeing-ort-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var args = [repoRoot.appendingPathComponent("scripts/tools/ort_run.py").path, model, "--out-dir", dir.path]
        for (name, t) in feeds {
            let path = dir.appendingPathComponent("in-\(feeds.keys.sorted().firstIndex(of: name)!).npy").path
            try NPY.write(t, to: path)
            args += ["--input", "\(name)=\(path)"]
        }
        for o in outputs { args += ["--output", o] }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + args
        let err = Pipe()
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard p.terminationStatus == 0 else {
            XCTFail("onnxruntime oracle failed: \(errText)")
            return [:]
        }
        var result: [String: Tensor] = [:]
        for o in outputs {
            let safe = String(o.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" })
            result[o] = try NPY.read(path: dir.appendingPathComponent(safe + ".npy").path)
        }
        return result
    }

    /// Runs a repository script with python3; its exit status and output (stdout, then stderr).
    public static func python(_ script: String, _ args: [String]) throws -> (status: Int32, output: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seeing-py-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Files, not pipes: a full pipe would block the script while we wait for it.
        let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", repoRoot.appendingPathComponent(script).path] + args
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        p.waitUntilExit()
        let text = String(decoding: try Data(contentsOf: out) + Data(contentsOf: err), as: UTF8.self)
        return (p.terminationStatus, text)
    }

    /// max |a − b| / max |b|: the error relative to the reference output's scale.
    public static func relativeError(_ a: Tensor, _ b: Tensor) -> Double {
        let x = a.floats, y = b.floats
        var maxDiff = 0.0, maxRef = 0.0
        for i in 0..<min(x.count, y.count) {
            maxDiff = max(maxDiff, Double(abs(x[i] - y[i])))
            maxRef = max(maxRef, Double(abs(y[i])))
        }
        return maxDiff / max(maxRef, 1e-30)
    }
}
