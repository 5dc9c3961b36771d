import Foundation
import Importer
import ONNXTestSupport
import Runtime
import XCTest

final class TorchCheckpointTests: XCTestCase {
    /// Checks one tensor's dtype, shape and values (through Double, exact for these constants).
    func expect(_ sd: StateDict, _ name: String, _ dtype: DType, _ shape: [Int], _ values: [Double],
                file: StaticString = #filePath, line: UInt = #line) {
        guard let t = sd[name] else { return XCTFail("missing tensor \(name)", file: file, line: line) }
        XCTAssertEqual(t.dtype, dtype, name, file: file, line: line)
        XCTAssertEqual(t.shape, shape, name, file: file, line: line)
        XCTAssertEqual(t.doubles, values, name, file: file, line: line)
    }

    /// The CHECKPOINT of make_checkpoint_fixtures.py, whatever pickle protocol saved it.
    func checkFixtureCheckpoint(_ fixture: String) throws {
        let c = try CheckpointReader.read(path: try CheckpointFixtures.path(fixture))
        XCTAssertEqual(c.format, .pytorch)
        let sd = c.stateDict
        XCTAssertEqual(sd.names, [
            "model.f32", "model.f64", "model.f16", "model.bf16", "model.i64", "model.i32", "model.i16", "model.i8",
            "model.u8", "model.bool", "model.u16", "model.transposed", "model.window", "model.row", "model.expanded",
            "model.scalar", "model.empty", "model.param", "linear.weight", "linear.bias", "optimizer.state.0.step",
        ])
        // Non-tensor leaves, in file order; a container without tensors is one entry.
        XCTAssertEqual(c.skipped, ["linear._metadata", "epoch", "name", "seed", "optimizer.param_groups"])

        expect(sd, "model.f32", .float32, [2, 3], [0, 0.5, 1, 1.5, 2, 2.5])          // arange(6) * 0.5
        expect(sd, "model.f64", .float64, [3], [1.25, -2.5, 1e100])
        expect(sd, "model.f16", .float16, [3], [0.5, -1, 65504])
        expect(sd, "model.bf16", .bfloat16, [3], [1.5, -2, 256])
        XCTAssertEqual(sd["model.bf16"]?.withUnsafeBytes { Array($0) }, [0xC0, 0x3F, 0x00, 0xC0, 0x80, 0x43])
        XCTAssertEqual(sd["model.i64"]?.toArray(Int64.self), [-1, 0, 1 << 40, -(1 << 62)])
        XCTAssertEqual(sd["model.i32"]?.toArray(Int32.self), [Int32.min, 7, Int32.max])
        XCTAssertEqual(sd["model.i16"]?.toArray(Int16.self), [-300, 300])
        XCTAssertEqual(sd["model.i8"]?.toArray(Int8.self), [-128, 127])
        XCTAssertEqual(sd["model.u8"]?.toArray(UInt8.self), [0, 200, 255])
        XCTAssertEqual(sd["model.bool"]?.dtype, .bool)
        XCTAssertEqual(sd["model.bool"]?.withUnsafeBytes { Array($0) }, [1, 0, 1])
        XCTAssertEqual(sd["model.u16"]?.toArray(UInt16.self), [0, 65535])        // _rebuild_tensor_v3
        // Views of base = arange(12).reshape(3, 4), all on one shared storage.
        expect(sd, "model.transposed", .float32, [4, 3], [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]) // base.t()
        expect(sd, "model.window", .float32, [2, 3], [5, 6, 7, 9, 10, 11])                   // base[1:, 1:]
        expect(sd, "model.row", .float32, [4], [8, 9, 10, 11])                               // base[2]
        expect(sd, "model.expanded", .float32, [2, 3], [0, 1, 2, 0, 1, 2])                   // arange(3).expand(2, 3)
        expect(sd, "model.scalar", .float32, [], [7.5])
        expect(sd, "model.empty", .float32, [0, 3], [])
        expect(sd, "model.param", .float32, [2], [1, 2])                                     // nn.Parameter
        expect(sd, "linear.weight", .float32, [3, 2], [0, 1, 2, 3, 4, 5])
        expect(sd, "linear.bias", .float32, [3], [-1, 0, 1])
        expect(sd, "optimizer.state.0.step", .float32, [], [3])
    }

    func testProtocol2Checkpoint() throws { try checkFixtureCheckpoint("checkpoint.pth") }

    /// Protocol 4 adds FRAME, MEMOIZE, SHORT_BINUNICODE and STACK_GLOBAL.
    func testProtocol4Checkpoint() throws { try checkFixtureCheckpoint("checkpoint_p4.pth") }

    func testNestedDictsGiveDottedNamesThatSubdictStrips() throws {
        let sd = try CheckpointReader.read(path: try CheckpointFixtures.path("checkpoint.pth")).stateDict
        let linear = sd.subdict("linear")
        XCTAssertEqual(linear.names, ["weight", "bias"])
        XCTAssertEqual(linear["bias"]?.doubles, [-1, 0, 1])
    }

    func testLegacyFormatAsksForResave() throws {
        let e = try XCTUnwrap(try CheckpointFixtures.error(reading: "legacy.pth"))
        XCTAssertEqual(e.kind, .unsupported)
        XCTAssert(e.description.contains("torch>=1.6"), e.description)
        XCTAssert(e.description.contains("legacy.pth"), e.description)
    }

    func testDeflatedArchiveIsRefusedClearly() throws {
        let e = try XCTUnwrap(try CheckpointFixtures.error(reading: "deflated.pth"))
        XCTAssertEqual(e.kind, .unsupported)
        XCTAssert(e.description.contains("archive entry 'checkpoint/"), e.description)
        XCTAssert(e.description.contains("is deflate-compressed"), e.description)
    }

    func testTruncatedArchive() throws {
        let e = try XCTUnwrap(try CheckpointFixtures.error(reading: "truncated.pth"))
        XCTAssertEqual(e.kind, .corrupt)
        XCTAssert(e.description.contains("end-of-central-directory"), e.description)
    }

    func testMissingAndUnrecognisedFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertThrowsError(try CheckpointReader.read(path: dir.appendingPathComponent("nope.pth").path)) { e in
            XCTAssertEqual((e as? CheckpointError)?.kind, .io)
            XCTAssert("\(e)".contains("file not found"), "\(e)")
        }
        let text = dir.appendingPathComponent("notes.txt")
        try Data("hello world".utf8).write(to: text)
        XCTAssertThrowsError(try CheckpointReader.read(path: text.path)) { e in
            XCTAssertEqual((e as? CheckpointError)?.kind, .unrecognizedFormat)
            XCTAssert("\(e)".contains("68 65 6c 6c 6f"), "\(e)")
        }
    }

    /// The real DCGAN training checkpoint holds netG_state_dict.main.*; convert_dcgan.py copied
    /// those arrays into the ONNX initializers of the same names, so they must agree bit for bit.
    func testRealDCGANCheckpointMatchesItsONNXConversion() throws {
        let pth = try OnnxRuntimeOracle.modelPath("models/cache/dcgan-faces/weights.pth")
        let onnx = try OnnxRuntimeOracle.modelPath("models/cache/dcgan-faces/dcgan-faces.onnx")
        let checkpoint = try CheckpointReader.read(path: pth)
        let initializers = try CheckpointReader.read(path: onnx)
        XCTAssertEqual(checkpoint.format, .pytorch)
        XCTAssertEqual(initializers.format, .onnx)
        let generator = checkpoint.stateDict.subdict("netG_state_dict")
        // 5 ConvTranspose weights + 4 BatchNorms × 4 tensors (convert_dcgan.py).
        XCTAssertEqual(initializers.stateDict.count, 21)
        for name in initializers.stateDict.names {
            guard let expected = initializers.stateDict[name], let got = generator[name] else {
                XCTFail("netG_state_dict.\(name) missing from the checkpoint")
                continue
            }
            XCTAssertEqual(got.dtype, .float32, name)
            XCTAssertEqual(got.shape, expected.shape, name)
            XCTAssert(got.withUnsafeBytes { a in expected.withUnsafeBytes { b in a.elementsEqual(b) } }, "\(name) differs")
        }
        // The generator's num_batches_tracked counters are int64 and not in the ONNX model.
        XCTAssertEqual(generator.names.filter { initializers.stateDict[$0] == nil }.allSatisfy { $0.hasSuffix("num_batches_tracked") }, true)
        XCTAssert(checkpoint.skipped.contains("netG_state_dict._metadata"), "\(checkpoint.skipped)")
    }
}
