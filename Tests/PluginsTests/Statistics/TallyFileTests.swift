import Foundation
import Plugins
import Runtime
import XCTest

final class TallyFileTests: XCTestCase {
    private func sample(_ acc: SegmentationTally.Accumulation, perImage: Bool) throws -> SegmentationTally {
        let scenes = SyntheticScenes(classes: 25, active: 8)
        var t = try SegmentationTally(classNames: scenes.classNames, accumulation: acc, keepsPerImage: perImage,
                                      provenance: TallyProvenance(segmenter: "upernet-336 sha256:ab", preprocessing: "resize 256, crop 256",
                                                                  source: "lsun bedrooms", sourceHash: "sha256:cd", seed: 1,
                                                                  plannedCount: 10_000, shard: (index: 2, of: 4)))
        var rng = SeededRandom(seed: 11)
        for _ in 0..<40 { try t.add(labels: scenes.labels(pixels: 64, &rng)) }
        return t
    }

    func testRoundTripIsExact() throws {
        let dir = try StatisticsTestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (acc, perImage) in [(SegmentationTally.Accumulation.pixelCounts(pixelsPerImage: 64), true), (.pixelCounts(pixelsPerImage: 64), false),
                                (.areaFractions, true), (.areaFractions, false)] {
            let t = try sample(acc, perImage: perImage)
            let path = dir + "/t.tally"
            try t.write(to: path)
            try t.write(to: path) // replaces an existing tally
            let back = try SegmentationTally.read(from: path)
            XCTAssertEqual(back.classNames, t.classNames)
            XCTAssertEqual(back.accumulation, t.accumulation)
            XCTAssertEqual(back.count, t.count)
            XCTAssertEqual(back.provenance, t.provenance)
            XCTAssertEqual(back.perImage, t.perImage)
            XCTAssertEqual(try back.covariance(), try t.covariance())
            XCTAssertEqual(try back.mean(), try t.mean())
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["t.tally"], "no temporary folders left")
            // What was read merges and accumulates like the original.
            var more = back
            try more.add(labels: [Int32](repeating: 1, count: 64))
            XCTAssertEqual(more.count, t.count + 1)
        }
    }

    func testNumpyReadsTheArrays() throws {
        let dir = try StatisticsTestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try sample(.pixelCounts(pixelsPerImage: 64), perImage: true)
        try t.write(to: dir + "/t")
        let script = dir + "/check.py"
        try """
        import json, sys, numpy as np
        d = sys.argv[1]
        meta = json.load(open(d + "/tally.json"))
        s, p = np.load(d + "/sums.npy"), np.load(d + "/products.npy")
        indptr, indices, data = (np.load(d + "/images_" + n + ".npy") for n in ("indptr", "indices", "data"))
        assert s.dtype == np.int64 and p.shape == (25, 25) and indptr.shape == (meta["count"] + 1,)
        assert indices.dtype == np.int32 and data.dtype == np.float64 and len(indices) == len(data) == indptr[-1]
        x = np.zeros((meta["count"], 25))
        x[np.repeat(np.arange(meta["count"]), np.diff(indptr)), indices] = data  # what scipy.sparse.csr_matrix does
        assert np.all(x[:, 0] > 0) and len(data) < x.size / 2
        assert np.allclose(x.sum(axis=0), s / meta["pixelsPerImage"] * 100)
        print(json.dumps(np.cov(x, rowvar=False).ravel().tolist()))
        """.write(toFile: script, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, dir + "/t"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let numpyCov = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [Double])
        let cov = try t.covariance()
        for i in cov.indices { XCTAssertEqual(cov[i], numpyCov[i], accuracy: 1e-9 * max(1, abs(numpyCov[i]))) }
    }

    func testDamagedFilesAreRejectedClearly() throws {
        let dir = try StatisticsTestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try sample(.pixelCounts(pixelsPerImage: 64), perImage: true)
        func expect(_ fragment: String, _ damage: (String) throws -> Void) throws {
            let path = dir + "/\(UUID().uuidString)"
            try t.write(to: path)
            try damage(path)
            XCTAssertThrowsError(try SegmentationTally.read(from: path)) { XCTAssertTrue("\($0)".contains(fragment), "'\($0)' lacks '\(fragment)'") }
        }
        func truncate(_ file: String, by bytes: Int) throws {
            let d = try Data(contentsOf: URL(fileURLWithPath: file))
            try d.prefix(d.count - bytes).write(to: URL(fileURLWithPath: file))
        }
        func editHeader(_ path: String, _ edit: (inout [String: Any]) -> Void) throws {
            let url = URL(fileURLWithPath: path + "/tally.json")
            var json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
            edit(&json)
            try JSONSerialization.data(withJSONObject: json).write(to: url)
        }
        try expect("truncated") { try truncate($0 + "/products.npy", by: 8) }
        try expect("truncated") { try truncate($0 + "/images_data.npy", by: 100) }
        try expect("cannot read tally.json") { try truncate($0 + "/tally.json", by: 20) }
        try expect("images_indices.npy") { try FileManager.default.removeItem(atPath: $0 + "/images_indices.npy") }
        // The sparse rows: starts out of order, classes not ascending, areas that are no whole
        // number of pixels or do not cover the image, a row moved to another image.
        try t.write(to: dir + "/reference")
        func array<T: TensorElement>(_ name: String, _: T.Type) throws -> [T] {
            try NPY.read(path: dir + "/reference/images_\(name).npy").toArray(T.self)
        }
        let rows = (indptr: try array("indptr", Int64.self), indices: try array("indices", Int32.self), data: try array("data", Double.self))
        func write<T: TensorElement>(_ name: String, _ values: [T]) -> (String) throws -> Void {
            { try NPY.write(Tensor(shape: [values.count], values: values), to: $0 + "/images_\(name).npy") }
        }
        var indptr = rows.indptr
        indptr.swapAt(3, 4)
        try expect("never decrease", write("indptr", indptr))
        var indices = rows.indices
        indices.swapAt(0, 1)
        try expect("classes ascend within a row", write("indices", indices))
        var data = rows.data
        data[0] += 1e-6
        try expect("not a whole number of the 64 pixels", write("data", data))
        data = rows.data
        data[0] += 100.0 / 64
        try expect("image 0 covers 65 pixels", write("data", data))
        data = rows.data
        data[0] -= 100.0 / 64
        data[Int(rows.indptr[1])] += 100.0 / 64
        try expect("image 0 covers 63 pixels", write("data", data))
        try expect("do not add up to 41 images") { path in try editHeader(path) { $0["count"] = 41 } }
        try expect("expected int64[26]") { path in try editHeader(path) { $0["classNames"] = ($0["classNames"] as! [String]) + ["extra"] } }
        try expect("do not add up") { path in
            var s = t.sumTensor().toArray(Int64.self)
            s[3] += 1
            try NPY.write(Tensor(shape: [25], values: s), to: path + "/sums.npy")
        }
        try expect("version 1; expected 'seeing.segmentation-tally' version 2") { path in try editHeader(path) { $0["version"] = 1 } }
        XCTAssertThrowsError(try SegmentationTally.read(from: dir + "/missing"))
    }
}
