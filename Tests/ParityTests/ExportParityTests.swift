import Foundation
import Importer
import ONNXTestSupport
import Runtime
import XCTest

/// Exported files against their sources in onnxruntime: onnx.checker accepts them, onnxruntime
/// gives the same outputs (≤ 1e-5 relative; in practice identical), and our runtime on the
/// exported file gives exactly what it gives on the source.
final class ExportParityTests: XCTestCase {
    let tolerance = 1e-5
    /// Our kernels against onnxruntime's (as in RealModelParityTests).
    let crossTolerance = 1e-4

    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seeing-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    /// ort_compare.py over (original, exported, data set or "-") triples: (checked, skipped).
    @discardableResult
    func compareInOnnxRuntime(_ pairs: [(String, String, String)], file: StaticString = #filePath, line: UInt = #line) throws -> (Int, Int) {
        let list = try tempDir().appendingPathComponent("pairs.tsv")
        try pairs.map { "\($0.0)\t\($0.1)\t\($0.2)\n" }.joined().write(to: list, atomically: true, encoding: .utf8)
        let (status, output) = try OnnxRuntimeOracle.python("scripts/tools/ort_compare.py", [list.path])
        XCTAssertEqual(status, 0, output, file: file, line: line)
        let counts = output.split(separator: "\n").last.map { $0.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .punctuationCharacters)) } } ?? []
        guard counts.count == 2 else {
            XCTFail("unexpected ort_compare.py output: \(output)", file: file, line: line)
            return (0, 0)
        }
        return (counts[0], counts[1])
    }

    func assertClose(_ got: [String: Tensor], _ expected: [String: Tensor], _ outputs: [String], tolerance: Double,
                     _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        for o in outputs {
            guard let a = got[o], let b = expected[o] else { return XCTFail("\(what): output \(o) missing", file: file, line: line) }
            XCTAssertEqual(a.shape, b.shape, "\(what) \(o)", file: file, line: line)
            let err = OnnxRuntimeOracle.relativeError(a, b)
            XCTAssertLessThanOrEqual(err, tolerance, "\(what) \(o): relative error \(err)", file: file, line: line)
        }
    }

    /// Exports the model at `relative`, then compares onnxruntime and our runtime on both files.
    func checkRealModel(_ relative: String, input: String, shape: [Int], outputs: [String], scale: Float = 1,
                        externalData: ONNXExporter.ExternalDataPolicy, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = try OnnxRuntimeOracle.modelPath(relative)
        let model = try ONNXImporter.load(path: path).model
        let exported = try tempDir().appendingPathComponent((path as NSString).lastPathComponent).path
        try ONNXExporter.write(model, to: exported, externalData: externalData)
        XCTAssertEqual(FileManager.default.fileExists(atPath: exported + ".data"), externalData == .always, file: file, line: line)
        try compareInOnnxRuntime([(path, exported, "-")], file: file, line: line)

        var x = Tensor.randomNormal(shape, seed: 7)
        x.withUnsafeMutableBufferPointer(as: Float.self) { p in for i in p.indices { p[i] *= scale } }
        let ortSource = try OnnxRuntimeOracle.run(model: path, feeds: [input: x], outputs: outputs)
        let ortExport = try OnnxRuntimeOracle.run(model: exported, feeds: [input: x], outputs: outputs)
        assertClose(ortExport, ortSource, outputs, tolerance: tolerance, "onnxruntime, exported vs source", file: file, line: line)

        let reloaded = try ONNXImporter.load(path: exported).model
        let ours = try Session(model: model, backend: .dnnl).run([input: x], outputs: outputs)
        let oursExport = try Session(model: reloaded, backend: .dnnl).run([input: x], outputs: outputs)
        assertClose(oursExport, ours, outputs, tolerance: 0, "our runtime, exported vs source", file: file, line: line)
        assertClose(oursExport, ortSource, outputs, tolerance: crossTolerance, "our runtime on the export vs onnxruntime", file: file, line: line)
    }

    func testDCGANFacesExport() throws {
        try checkRealModel("models/cache/dcgan-faces/dcgan-faces.onnx", input: "z", shape: [2, 100, 1, 1],
                           outputs: ["image", "main.2"], externalData: .never)
    }

    func testVGG16ExportWithExternalData() throws {
        try checkRealModel("models/cache/vgg16-keras/vgg16.onnx", input: "input", shape: [1, 240, 240, 3],
                           outputs: ["dense_3", "functional_1/block4_conv2_1/Relu:0"], scale: 60, externalData: .always)
    }

    /// Changed weights (as training leaves them) reach the file: onnxruntime on the export
    /// agrees with our session holding those weights, and no longer with the source.
    func testChangedParametersRunInOnnxRuntime() throws {
        let path = try OnnxRuntimeOracle.modelPath("models/cache/dcgan-faces/dcgan-faces.onnx")
        let model = try ONNXImporter.load(path: path).model
        guard let first = model.graph.nodes.first, first.inputs.count > 1, let w = model.graph.initializers[first.inputs[1]] else {
            return XCTFail("DCGAN's first node has no weight initializer")
        }
        let session = try Session(model: model, backend: .dnnl, parameters: [first.inputs[1]])
        try session.setParameter(first.inputs[1], Tensor(shape: w.shape, floats: w.toArray(Float.self).map { $0 * -0.5 + 0.01 }))
        let exported = try tempDir().appendingPathComponent("trained.onnx").path
        try ONNXExporter.write(session.model, to: exported, parameters: session.parameters)

        let z = Tensor.randomNormal([2, 100, 1, 1], seed: 3)
        let outputs = ["image"]
        let ortExport = try OnnxRuntimeOracle.run(model: exported, feeds: ["z": z], outputs: outputs)
        let ours = try session.run(["z": z], outputs: outputs)
        assertClose(ortExport, ours, outputs, tolerance: crossTolerance, "onnxruntime on the trained export vs our session")
        let ortSource = try OnnxRuntimeOracle.run(model: path, feeds: ["z": z], outputs: outputs)
        if let a = ortExport["image"], let b = ortSource["image"] {
            XCTAssertGreaterThan(OnnxRuntimeOracle.relativeError(a, b), 1e-2, "the changed weights must change the output")
        }
    }

    /// A model built in Swift, with initializers of every dtype onnxruntime returns to numpy:
    /// onnx.checker accepts the file and onnxruntime reads each tensor back bit for bit.
    func testSwiftBuiltModelRunsInOnnxRuntime() throws {
        let values: [(String, Tensor)] = [
            ("f32", Tensor(shape: [2], floats: [1.5, -3])),
            ("f64", Tensor(shape: [2], dtype: .float64, doubles: [.pi, -1e300])),
            ("f16", Tensor(shape: [2], dtype: .float16, doubles: [0.5, -65504])),
            ("i8", Tensor(shape: [2], values: [Int8.min, 5])),
            ("u8", Tensor(shape: [2], values: [UInt8.max, 0])),
            ("i16", Tensor(shape: [2], values: [Int16.min, 7])),
            ("u16", Tensor(shape: [2], values: [UInt16.max, 1])),
            ("i32", Tensor(shape: [2], values: [Int32.max, -2])),
            ("u32", Tensor(shape: [2], values: [UInt32.max, 3])),
            ("i64", Tensor(shape: [1, 2], values: [Int64.min, Int64.max])),
            ("u64", Tensor(shape: [2], values: [UInt64.max, 9])),
            ("bool", Tensor(shape: [3], values: [true, false, true])),
            ("scalar", Tensor(scalar: 2.5)),
        ]
        var graph = Graph(name: "swift-built", inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.symbolic("N"), .fixed(2)])])
        graph.nodes = [Node(name: "scale", opType: "Mul", inputs: ["x", "f32"], outputs: ["y"])]
        graph.outputs = [ValueInfo(name: "y", dtype: .float32, shape: [.symbolic("N"), .fixed(2)])]
        for (name, t) in values {
            graph.setInitializer(name, t)
            graph.nodes.append(Node(opType: "Identity", inputs: [name], outputs: ["out_\(name)"]))
            graph.outputs.append(ValueInfo(name: "out_\(name)", dtype: t.dtype, shape: t.shape.map { .fixed($0) }))
        }
        let model = Model(graph: graph, opsetImports: ["": 17])
        let path = try tempDir().appendingPathComponent("swift.onnx").path
        try ONNXExporter.write(model, to: path)
        try compareInOnnxRuntime([(path, path, "-")]) // the checker must accept it

        let x = Tensor(shape: [3, 2], floats: [1, 2, 3, 4, 5, 6])
        let names = ["y"] + values.map { "out_\($0.0)" }
        let ort = try OnnxRuntimeOracle.run(model: path, feeds: ["x": x], outputs: names)
        XCTAssertEqual(ort["y"]?.toArray(Float.self), [1.5, -6, 4.5, -12, 7.5, -18])
        for (name, t) in values {
            guard let got = ort["out_\(name)"] else { XCTFail("no output for \(name)"); continue }
            XCTAssertEqual(got.dtype, t.dtype, name)
            XCTAssertEqual(got.shape, t.shape, name)
            XCTAssert(got.withUnsafeBytes { a in t.withUnsafeBytes { b in a.elementsEqual(b) } }, "\(name): bytes differ")
        }
    }

    /// Every manifest `pass` conformance model, exported: onnx.checker accepts it wherever it
    /// accepts the source, and onnxruntime gives identical outputs on test_data_set_0.
    func testConformanceModelsRunAlikeInOnnxRuntime() throws {
        let root = ProcessInfo.processInfo.environment["SEEING_ONNX_TESTDATA"] ?? "/usr/share/libonnx-testdata/data/node"
        guard FileManager.default.fileExists(atPath: root) else { throw XCTSkip("ONNX conformance data not found at \(root)") }
        let manifest = try String(contentsOf: OnnxRuntimeOracle.repoRoot.appendingPathComponent("Tests/ConformanceTests/manifest.txt"), encoding: .utf8)
        let names = manifest.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            return words.count == 2 && words[0] == "pass" ? String(words[1]) : nil
        }
        XCTAssertGreaterThanOrEqual(names.count, 654)
        let dir = try tempDir()
        var pairs: [(String, String, String)] = []
        for name in names {
            let source = "\(root)/\(name)/model.onnx"
            let exported = dir.appendingPathComponent("\(name).onnx").path
            try ONNXExporter.write(try ONNXImporter.load(path: source).model, to: exported)
            pairs.append((source, exported, "\(root)/\(name)/test_data_set_0"))
        }
        let (checked, skipped) = try compareInOnnxRuntime(pairs)
        XCTAssertEqual(checked + skipped, names.count)
        XCTAssertLessThan(skipped * 20, names.count, "onnxruntime should run nearly every source model")
    }
}
