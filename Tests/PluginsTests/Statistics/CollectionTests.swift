import Foundation
import ONNXTestSupport
import Plugins
import Runtime
import XCTest

/// The pieces `seeing stats` is built from: shards, image folders, latent streams, the
/// label-only segmentation path, and merging shard tallies into a single run's tally.
final class CollectionTests: XCTestCase {
    // MARK: shards

    func testShardSpecsFromTheCommandLineAndSchedulers() throws {
        XCTAssertEqual(try Shard.parse("1/4", environment: [:]), try Shard(index: 1, of: 4))
        XCTAssertEqual(try Shard.parse("auto/4", environment: ["JOB_COMPLETION_INDEX": "3"]).index, 3)
        // Slurm arrays may start anywhere: the index counts from SLURM_ARRAY_TASK_MIN.
        XCTAssertEqual(try Shard.parse("auto/4", environment: ["SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "5"]).index, 2)
        XCTAssertEqual(try Shard.parse("auto/4", environment: ["SLURM_ARRAY_TASK_ID": "2"]).index, 2)
        // Seeing's own variable wins over a scheduler's.
        XCTAssertEqual(try Shard.parse("auto/4", environment: ["SEEING_SHARD_INDEX": "0", "SLURM_ARRAY_TASK_ID": "2"]).index, 0)
        for (text, env, fragment) in [("4/4", [:], "0..<4"), ("-1/4", [:], "0..<4"), ("1/0", [:], "0..<0"), ("1", [:], "expected i/N"),
                                      ("a/b", [:], "expected i/N"), ("auto/2", [:], "none of"),
                                      ("auto/2", ["JOB_COMPLETION_INDEX": "x"], "not a whole number"),
                                      ("auto/2", ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1"], "shard 2/2")] as [(String, [String: String], String)] {
            XCTAssertThrowsError(try Shard.parse(text, environment: env), text) { XCTAssertTrue("\($0)".contains(fragment), "\($0)") }
        }
    }

    func testShardRangesTileTheSetInOrderAtWholeUnits() throws {
        for total in [1, 7, 50, 101, 1000] {
            for unit in [1, 4, 16] {
                let units = (total + unit - 1) / unit
                for count in [1, 2, 3, 7] where count <= units {
                    let ranges = try (0..<count).map { try Shard(index: $0, of: count).range(of: total, unit: unit) }
                    XCTAssertEqual(ranges.first?.lowerBound, 0)
                    XCTAssertEqual(ranges.last?.upperBound, total)
                    for (a, b) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
                    XCTAssertTrue(ranges.allSatisfy { !$0.isEmpty && $0.lowerBound % unit == 0 })
                    // As even as whole units allow.
                    let sizes = ranges.map { ($0.count + unit - 1) / unit }
                    XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "\(total) \(unit) \(count)")
                }
            }
        }
        XCTAssertEqual(try Shard(index: 1, of: 3).range(of: 50, unit: 4), 16..<32)
        XCTAssertThrowsError(try Shard(index: 0, of: 3).range(of: 5, unit: 4)) { XCTAssertTrue("\($0)".contains("2 batches")) }
    }

    // MARK: image folders

    func testImageFolderListsSortsSelectsAndHashesContent() throws {
        let dir = try StatisticsTestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/b/.git", withIntermediateDirectories: true)
        let names = ["z.png", "a.JPG", "b/c.jpeg", "B.png", "b/.git/x.png", ".hidden.png", "notes.txt", "m.pngx"]
        for (i, n) in names.enumerated() { try Data([UInt8(i)]).write(to: URL(fileURLWithPath: dir + "/" + n)) }
        let folder = try ImageFolder(path: dir)
        XCTAssertEqual(folder.files, ["B.png", "a.JPG", "b/c.jpeg", "z.png"])
        XCTAssertEqual(try folder.selection(count: nil, seed: 1), folder.files)
        XCTAssertEqual(try folder.selection(count: 4, seed: 1), folder.files)
        let two = try folder.selection(count: 2, seed: 1)
        XCTAssertEqual(two.count, 2)
        XCTAssertEqual(two, two.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        XCTAssertEqual(two, try folder.selection(count: 2, seed: 1))
        // Seeds pick different subsets: 100 seeds reach all 6 pairs.
        XCTAssertEqual(Set((1...100).map { try! folder.selection(count: 2, seed: $0) }).count, 6)
        XCTAssertThrowsError(try folder.selection(count: 5, seed: 1)) { XCTAssertTrue("\($0)".contains("holds 4 images")) }
        XCTAssertThrowsError(try folder.selection(count: 0, seed: 1))

        // The hash covers names and bytes of the selected files, not where the folder is.
        let copy = dir + "-copy"
        try fm.copyItem(atPath: dir, toPath: copy)
        defer { try? fm.removeItem(atPath: copy) }
        let h = try folder.hash(of: folder.files)
        XCTAssertEqual(try ImageFolder(path: copy).hash(of: folder.files), h)
        XCTAssertNotEqual(try folder.hash(of: Array(folder.files.dropFirst())), h)
        try Data([9]).write(to: URL(fileURLWithPath: copy + "/z.png"))
        XCTAssertNotEqual(try ImageFolder(path: copy).hash(of: folder.files), h)
        try fm.moveItem(atPath: copy + "/z.png", toPath: copy + "/y.png")
        try Data([3]).write(to: URL(fileURLWithPath: copy + "/y.png"))
        XCTAssertNotEqual(try ImageFolder(path: copy).hash(of: ["B.png", "a.JPG", "b/c.jpeg", "y.png"]), h)

        try fm.createDirectory(atPath: dir + "/empty/.x.png", withIntermediateDirectories: true)
        XCTAssertThrowsError(try ImageFolder(path: dir + "/empty")) { XCTAssertTrue("\($0)".contains("no PNG or JPEG images")) }
        XCTAssertThrowsError(try ImageFolder(path: dir + "/z.png")) { XCTAssertTrue("\($0)".contains("not a folder")) }
    }

    // MARK: generator latents and segmenter labels

    func testLatentStreamsReproduceSampleLatentsFromAnyOffset() throws {
        let zoo = try Zoo(path: RegistryFixture.tinyRegistry().plugins)
        let g = try zoo.generator("tiny-gen")
        let all = g.sampleLatents(23, seed: 9).floats
        for skip in [0, 1, 5, 22] {
            var stream = g.latentStream(seed: 9)
            stream.skip(skip)
            let first = stream.next(min(4, 23 - skip)).floats, rest = stream.next(23 - skip - min(4, 23 - skip)).floats
            XCTAssertEqual(first + rest, Array(all[(2 * skip)...]), "skip \(skip)")
        }
    }

    func testLabelOnlySegmentationGivesTheLabelsOfSegment() throws {
        let zoo = try Zoo(path: RegistryFixture.tinyRegistry().plugins)
        let s = try zoo.segmenter("tiny-seg")
        var rng = SeededRandom(seed: 3)
        for _ in 0..<50 {
            // Ties (equal channels) included: the first channel wins in both.
            let image = RGBImage(width: 2, height: 2, pixels: (0..<12).map { _ in UInt8(Int(rng.uniform() * 4) * 85) })
            let fast = try s.labels(prepared: image)
            XCTAssertEqual(fast.labels, try s.segment(prepared: image).labels)
            XCTAssertEqual([fast.width, fast.height], [2, 2])
        }
        // A binary (one probability channel) segmenter: the real selfie segmenter, when fetched.
        guard let selfie = try? RegistryFixture.repositoryZoo().segmenter("selfie-segmenter") else { return }
        let file = OnnxRuntimeOracle.repoRoot.appendingPathComponent("models/cache/images/person.jpg").path
        let photo = try selfie.preprocessing.prepare(ImageReader.read(path: file))
        let labels = try selfie.labels(prepared: photo).labels
        XCTAssertEqual(labels, try selfie.segment(prepared: photo).labels)
        XCTAssertTrue(labels.contains(1) && labels.contains(0))
    }

    // MARK: merging shards

    func testShardTalliesMergeIntoTheSingleRunsTallyBitForBit() throws {
        let scenes = SyntheticScenes(classes: 12, active: 6)
        var rng = SeededRandom(seed: 4)
        let maps = (0..<20).map { _ in scenes.labels(pixels: 64, &rng) }
        func tally(_ range: Range<Int>, shard: (Int, Int)?) throws -> SegmentationTally {
            var t = try SegmentationTally(classNames: scenes.classNames, accumulation: .pixelCounts(pixelsPerImage: 64), keepsPerImage: true,
                                          provenance: .test(seed: 1, shard: shard))
            for m in maps[range] { try t.add(labels: m) }
            return t
        }
        let single = try tally(0..<20, shard: nil)
        let shards = try [0..<7, 7..<13, 13..<20].enumerated().map { try tally($0.element, shard: ($0.offset, 3)) }
        let merged = try SegmentationTally.mergedShards([shards[2], shards[0], shards[1]])
        XCTAssertNil(merged.provenance.shards)
        XCTAssertEqual(merged.provenance, single.provenance)
        XCTAssertEqual(merged.perImage, single.perImage)
        XCTAssertEqual(merged.sumTensor().toArray(Int64.self), single.sumTensor().toArray(Int64.self))
        XCTAssertEqual(merged.productTensor().toArray(Int64.self), single.productTensor().toArray(Int64.self))

        func expect(_ fragment: String, _ tallies: [SegmentationTally]) {
            XCTAssertThrowsError(try SegmentationTally.mergedShards(tallies)) { XCTAssertTrue("\($0)".contains(fragment), "\($0)") }
        }
        expect("missing shard(s) 1/3 of the 3-way split (have 0/3, 2/3)", [shards[0], shards[2]])
        expect("shard(s) 1/3 given more than once", [shards[0], shards[1], shards[1], shards[2]])
        expect("tally 2 is not a shard", [shards[0], single])
        expect("no shard tallies", [])
        let otherSplit = try tally(0..<10, shard: (1, 2))
        expect("from a 2-way split", [shards[0], otherSplit])
        // A tally holding shards 0 and 2 cannot be merged in order with shard 1.
        let outer = try SegmentationTally.merged([shards[0], shards[2]])
        expect("consecutive", [outer, shards[1]])
        // Shards of another run (another seed) are refused by the provenance check.
        var other = try SegmentationTally(classNames: scenes.classNames, accumulation: .pixelCounts(pixelsPerImage: 64), keepsPerImage: true,
                                          provenance: .test(seed: 2, shard: (1, 3)))
        try other.add(labels: maps[0])
        expect("different seeds", [shards[0], other, shards[2]])
        XCTAssertEqual(shards[0].provenance.differences(from: other.provenance), ["seed: 1 vs 2"])
    }
}
