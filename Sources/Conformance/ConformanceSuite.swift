import Foundation
import Importer
import Runtime

/// The ONNX node tests under a data root: one directory per test holding `model.onnx` and
/// `test_data_set_*/{input,output}_N.pb`.
public struct ConformanceSuite {
    public static let defaultRoot = "/usr/share/libonnx-testdata/data/node"
    public static let rootEnvironmentVariable = "SEEING_ONNX_TESTDATA"

    public let root: String

    /// `root`, else $SEEING_ONNX_TESTDATA, else the Debian libonnx-testdata location.
    public init(root: String? = nil) {
        self.root = root ?? ProcessInfo.processInfo.environment[Self.rootEnvironmentVariable] ?? Self.defaultRoot
    }

    public var exists: Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: root, isDirectory: &isDir) && isDir.boolValue
    }

    /// Sorted names of the directories that hold a model.onnx.
    public func testNames() throws -> [String] {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: root)
        } catch {
            throw ConformanceError("cannot list conformance data root \(root): \(error.localizedDescription)")
        }
        return entries.filter { FileManager.default.fileExists(atPath: "\(root)/\($0)/model.onnx") }.sorted()
    }

    /// Imports, runs and compares every data set of one test. Never throws: every failure
    /// becomes the outcome's reason.
    public func run(_ name: String, backend: BackendKind) -> ConformanceOutcome {
        var outcome = ConformanceOutcome(name: name, backend: backend, ops: [], failure: nil)
        let dir = "\(root)/\(name)"
        let imported: ImportResult
        do {
            imported = try ONNXImporter.load(path: "\(dir)/model.onnx")
        } catch let e as ImportError {
            outcome.failure = (Self.category(of: e), "import: \(e.message)")
            return outcome
        } catch {
            outcome.failure = (.fails, "import: \(error)")
            return outcome
        }
        let model = imported.model
        outcome.ops = Array(Set(model.graph.nodes.map(\.opType))).sorted()
        for v in model.graph.inputs + model.graph.outputs {
            if let t = v.unsupportedType {
                outcome.failure = (t.hasPrefix("tensor(") ? .exoticDType : .nonTensorType, "'\(v.name)' has type \(t)")
                return outcome
            }
        }
        if !imported.report.unsupportedOps.isEmpty {
            outcome.failure = (.opNotInScope, imported.report.unsupportedOps.map(\.op.description).joined(separator: ", "))
            return outcome
        }
        do {
            let session = try Session(model: model, backend: backend.make())
            for set in try dataSets(dir) {
                if let why = try check(session, model: model, dataSet: set) {
                    outcome.failure = (.fails, "\((set as NSString).lastPathComponent): \(why)")
                    return outcome
                }
            }
        } catch let e as ImportError {
            outcome.failure = (Self.category(of: e), "test data: \(e.message)")
        } catch {
            outcome.failure = (.fails, Self.firstLine("\(error)"))
        }
        return outcome
    }

    static func category(of e: ImportError) -> FailureCategory {
        switch e.kind {
        case .unsupportedDType: return .exoticDType
        case .unsupportedType: return .nonTensorType
        default: return .fails
        }
    }

    static func firstLine(_ s: String) -> String {
        String(s.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
    }

    func dataSets(_ dir: String) throws -> [String] {
        let sets = try FileManager.default.contentsOfDirectory(atPath: dir)
            .filter { $0.hasPrefix("test_data_set_") }
            .sorted { Self.numericSuffix($0) < Self.numericSuffix($1) }
        guard !sets.isEmpty else { throw ConformanceError("\(dir) has no test_data_set_* directory") }
        return sets.map { "\(dir)/\($0)" }
    }

    /// `input_10.pb` sorts after `input_9.pb`.
    static func numericSuffix(_ s: String) -> Int {
        let digits = s.reversed().drop { !$0.isNumber }.prefix { $0.isNumber }
        return Int(String(digits.reversed())) ?? 0
    }

    static func files(_ dir: String, prefix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir)
            .filter { $0.hasPrefix(prefix) && $0.hasSuffix(".pb") }
            .sorted { numericSuffix($0) < numericSuffix($1) }
            .map { "\(dir)/\($0)" }
    }

    /// Runs one data set; nil when every output matches.
    func check(_ session: Session, model: Model, dataSet: String) throws -> String? {
        let inputFiles = try Self.files(dataSet, prefix: "input_")
        let outputFiles = try Self.files(dataSet, prefix: "output_")
        let declared = model.graph.runtimeInputs
        var feeds: [String: Tensor] = [:]
        for (i, file) in inputFiles.enumerated() {
            guard i < declared.count else {
                throw ConformanceError("\(file): the model declares only \(declared.count) inputs")
            }
            feeds[declared[i].name] = try TensorProtoIO.read(path: file)
        }
        let outputs = model.graph.outputs
        guard outputFiles.count == outputs.count else {
            throw ConformanceError("\(dataSet) has \(outputFiles.count) output files, the model declares \(outputs.count) outputs")
        }
        let results = try session.run(feeds)
        for (file, out) in zip(outputFiles, outputs) {
            let expected = try TensorProtoIO.read(path: file)
            guard let actual = results[out.name] else { return "output '\(out.name)' was not produced" }
            if let why = TensorComparison.mismatch(actual: actual, expected: expected) {
                return "output '\(out.name)': \(why)"
            }
        }
        return nil
    }
}

public struct ConformanceError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
