import Foundation
import Importer
import ONNXTestSupport
import Plugins
import Runtime
import XCTest

/// `seeing stats`, `seeing stats merge` and `seeing fsd` end to end, on synthetic scenes with
/// known labels segmented by an oracle registered purely through plugins.json.
final class StatsCLITests: XCTestCase {
    var dir = ""
    var plugins = ""

    override func setUpWithError() throws {
        dir = try SeeingCLI.tempDir().path
        plugins = try StatsFixtures.makeRegistry(in: dir)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func path(_ name: String) -> String { "\(dir)/\(name)" }

    /// Runs `args` against the test registry (cache inside the test folder), expecting success.
    @discardableResult
    func seeing(_ args: [String], env: [String: String?] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> SeeingCLI.Result {
        let r = try SeeingCLI.run(args + ["--plugins", plugins].filter { _ in args.first != "fsd" && args.prefix(2) != ["stats", "merge"] },
                                  env: [TallyCache.environmentVariable: path("cache")].merging(env) { $1 })
        XCTAssertEqual(r.status, 0, "seeing \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
        return r
    }

    /// Runs `args` expecting a clean failure whose message contains every fragment.
    func expectFailure(_ args: [String], env: [String: String?] = [:], _ fragments: [String],
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try SeeingCLI.run(args + ["--plugins", plugins].filter { _ in args.first != "fsd" && args.prefix(2) != ["stats", "merge"] },
                                  env: [TallyCache.environmentVariable: path("cache")].merging(env) { $1 })
        XCTAssertNotEqual(r.status, 0, "expected failure, stdout: \(r.stdout)", file: file, line: line)
        XCTAssertLessThan(r.status, 128, "crashed: \(r.stderr)", file: file, line: line)
        XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr, file: file, line: line)
        for f in fragments { XCTAssertTrue(r.stderr.contains(f), "stderr lacks '\(f)': \(r.stderr)", file: file, line: line) }
    }

    func report(_ stdout: String) throws -> [String: Any] {
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        return try XCTUnwrap(doc["report"] as? [String: Any])
    }

    /// The class rows of a report by name.
    func classRows(_ report: [String: Any]) throws -> [String: [String: Any]] {
        let rows = try XCTUnwrap(report["classes"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["name"] as! String, $0) })
    }

    // MARK: known answers

    func testTalliesHoldTheKnownLabelsAndFSDFlagsExactlyTheMissingAndHalvedClasses() throws {
        let scenes = StatsFixtures.Scenes()
        let realPixels = try scenes.write(count: 150, seed: 1, to: path("real"))
        // Generated: "tree" half as often (0.8 → 0.4), "person" never; the other classes as in the real set.
        try StatsFixtures.Scenes(presence: [1, 0.9, 0.4, 0.7, 0]).write(count: 150, seed: 2, to: path("gen"))
        try seeing(["stats", "--images", path("real"), "--segmenter", "oracle", "--out", path("real.tally")])
        try seeing(["stats", "--images", path("gen"), "--segmenter", "oracle", "--out", path("gen.tally")])

        // Every image's areas are its known pixel counts / 256 × 100, in file order.
        let real = try SegmentationTally.read(from: path("real.tally"))
        XCTAssertEqual(real.count, 150)
        XCTAssertEqual(real.classNames, StatsFixtures.classes)
        XCTAssertEqual(real.perImage, realPixels.flatMap { $0.map { Double($0) / 256 * 100 } })

        let r = try seeing(["fsd", path("real.tally"), path("gen.tally"), "--bootstrap", "200", "--out", path("fsd"), "--json"])
        let rep = try report(r.stdout)
        let rows = try classRows(rep)
        let flagged = rows.values.filter { $0["significant"] as? Bool == true }.map { $0["name"] as! String }
        XCTAssertEqual(Set(flagged), ["tree", "person"], "\(rows)")
        XCTAssertEqual(rows["tree"]?["direction"] as? String, "under")
        XCTAssertEqual(rows["person"]?["direction"] as? String, "under")
        XCTAssertEqual(rows["person"]?["generatedMean"] as? Double, 0)
        XCTAssertEqual(rows["-"]?["excluded"] as? Bool, true)
        // A real difference: FSD and its basic interval are clear of zero.
        let fsd = try XCTUnwrap((rep["fsd"] as? [String: Any])?["total"] as? Double)
        let interval = try XCTUnwrap(rep["interval"] as? [String: Any])
        let (lo, hi) = (try XCTUnwrap(interval["basicLower"] as? Double), try XCTUnwrap(interval["basicUpper"] as? Double))
        XCTAssertGreaterThan(lo, 0)
        XCTAssertTrue(lo < fsd && fsd < hi, "\(lo) \(fsd) \(hi)")
        XCTAssertNotNil(rep["realSelfDistance"])
        XCTAssertNotNil(rep["generatedSelfDistance"])

        // The chart and the CSV.
        let chart = try ImageReader.read(path: path("fsd/chart.png"))
        XCTAssertEqual([chart.width, chart.height], [1600, 900])
        let csv = try String(contentsOfFile: path("fsd/classes.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 1 + StatsFixtures.classes.count)
        XCTAssertTrue(csv[0].hasPrefix("index,name,real_mean_percent"))

        // The text report labels both intervals and prints the self-distances beside FSD.
        let text = try seeing(["fsd", path("real.tally"), path("gen.tally"), "--bootstrap", "50", "--top", "3", "--out", path("fsd2")]).stdout
        for fragment in ["FSD(A, B) = ", "mean part", "covariance part", "interval, basic:", "interval, percentile:",
                         "self-distance (FSD between two random halves): A ", "2 significantly under-produced", "under  tree", "under  person"] {
            XCTAssertTrue(text.contains(fragment), "lacks '\(fragment)':\n\(text)")
        }
    }

    func testASetAgainstAnotherSampleOfItsDistributionIsWithinItsBasicIntervalOfZero() throws {
        try StatsFixtures.Scenes().write(count: 150, seed: 1, to: path("a"))
        try StatsFixtures.Scenes().write(count: 150, seed: 3, to: path("b"))
        try seeing(["stats", "--images", path("a"), "--segmenter", "oracle", "--out", path("a.tally")])
        try seeing(["stats", "--images", path("b"), "--segmenter", "oracle", "--out", path("b.tally")])
        let rep = try report(try seeing(["fsd", path("a.tally"), path("b.tally"), "--out", path("fsd"), "--json"]).stdout)
        let interval = try XCTUnwrap(rep["interval"] as? [String: Any])
        let (lo, hi) = (try XCTUnwrap(interval["basicLower"] as? Double), try XCTUnwrap(interval["basicUpper"] as? Double))
        XCTAssertTrue(lo <= 0 && 0 <= hi, "basic interval \(lo) … \(hi) should cover 0")
        // The percentile interval sits above the estimate (see docs/statistics.md).
        let fsd = try XCTUnwrap((rep["fsd"] as? [String: Any])?["total"] as? Double)
        XCTAssertGreaterThan(try XCTUnwrap(interval["lower"] as? Double), 0)
        XCTAssertGreaterThan(fsd, 0)
        XCTAssertTrue(try classRows(rep).values.allSatisfy { $0["significant"] as? Bool == false })
    }

    func testFoldersAreCroppedInTheCentreAndReadRecursivelyWithJPEG() throws {
        let d = path("mixed")
        try FileManager.default.createDirectory(atPath: d + "/sub", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: d + "/.hidden", withIntermediateDirectories: true)
        // 32×16: red, blue, red in 8-, 16- and 8-pixel columns; the centre crop is all blue.
        func stripes(_ scale: Int) -> Image8 {
            let (w, h) = (32 * scale, 16 * scale)
            var px = [UInt8](repeating: 0, count: w * h * 3)
            for y in 0..<h { for x in 0..<w { px[(y * w + x) * 3 + ((x >= 8 * scale && x < 24 * scale) ? 2 : 0)] = 255 } }
            return Image8(width: w, height: h, channels: 3, pixels: px)
        }
        try PNGWriter.write(stripes(1), to: d + "/a.png")
        // Twice the size: the shorter side is halved first (each crop column still nearest to blue).
        try PNGWriter.write(stripes(2), to: d + "/b.PNG")
        try StatsFixtures.halfRedHalfBlueJPEG.write(to: URL(fileURLWithPath: d + "/sub/c.jpg"))
        try PNGWriter.write(stripes(1), to: d + "/.hidden/skipped.png")
        try "not an image".write(toFile: d + "/notes.txt", atomically: true, encoding: .utf8)
        try seeing(["stats", "--images", d, "--segmenter", "oracle", "--out", path("m.tally")])
        let t = try SegmentationTally.read(from: path("m.tally"))
        XCTAssertEqual(t.count, 3)
        // Rows in path order: a.png, b.PNG, sub/c.jpg; classes -, sky (blue), tree, car (red), person.
        XCTAssertEqual(t.perImage, [0, 100, 0, 0, 0,
                                    0, 100, 0, 0, 0,
                                    0, 50, 0, 50, 0])
    }

    func testGeneratorTallyEqualsTheTallyOfItsSavedSamples() throws {
        try seeing(["sample", "tiny-gen", "--n", "7", "--seed", "3", "--batch", "3", "--out", path("samples")])
        try FileManager.default.removeItem(atPath: path("samples/grid.png"))
        try seeing(["stats", "--generator", "tiny-gen", "--n", "7", "--seed", "3", "--batch", "3", "--segmenter", "oracle", "--out", path("g.tally")])
        try seeing(["stats", "--images", path("samples"), "--segmenter", "oracle", "--out", path("s.tally")])
        let (g, s) = (try SegmentationTally.read(from: path("g.tally")), try SegmentationTally.read(from: path("s.tally")))
        XCTAssertEqual(g.count, 7)
        XCTAssertEqual(g.perImage, s.perImage)
        XCTAssertEqual(g.sumTensor().toArray(Int64.self), s.sumTensor().toArray(Int64.self))
        XCTAssertGreaterThan(Set(g.perImage).count, 2, "the tiny generator's grey images should fall into several classes")
    }

    // MARK: sharding

    /// Every file of two tally folders, byte for byte.
    func assertIdenticalFolders(_ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: a).sorted()
        XCTAssertEqual(names, try FileManager.default.contentsOfDirectory(atPath: b).sorted(), file: file, line: line)
        XCTAssertTrue(names.contains("images_data.npy"), file: file, line: line)
        for n in names {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: "\(a)/\(n)")), try Data(contentsOf: URL(fileURLWithPath: "\(b)/\(n)")),
                           "\(n) differs", file: file, line: line)
        }
    }

    /// Starts `seeing ARGS` without waiting, its output going to the file `log` (pipes read from
    /// several threads at once make Foundation fail with EINTR).
    func startSeeing(_ args: [String], env: [String: String?], log: String) throws -> Process {
        let p = Process()
        p.executableURL = SeeingCLI.executable
        guard FileManager.default.isExecutableFile(atPath: SeeingCLI.executable.path) else { throw XCTSkip("seeing is not built") }
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        return p
    }

    func testThreeShardProcessesMergeToExactlyASingleRun() throws {
        try StatsFixtures.Scenes().write(count: 31, seed: 5, to: path("imgs"))
        let sources: [(name: String, args: [String])] = [
            ("images", ["--images", path("imgs"), "--n", "25", "--seed", "4"]),
            ("generator", ["--generator", "tiny-gen", "--n", "50", "--batch", "4"]),
        ]
        for (name, args) in sources {
            let base = ["stats"] + args + ["--segmenter", "oracle"]
            // Three shards at once, as a job array runs them, sharing one cache; the index from
            // Slurm's, Kubernetes' and an explicit --shard.
            // (Unset first: the tests themselves may run inside such a job.)
            let clear: [String: String?] = ["SEEING_SHARD_INDEX": nil, "SLURM_ARRAY_TASK_ID": nil, "SLURM_ARRAY_TASK_MIN": nil,
                                            "JOB_COMPLETION_INDEX": nil]
            let runs: [(shard: String, env: [String: String?])] = [
                ("auto/3", clear.merging(["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "5"]) { $1 }),
                ("auto/3", clear.merging(["JOB_COMPLETION_INDEX": "1"]) { $1 }),
                ("2/3", [:]),
            ]
            let processes = try (0..<3).map { i in
                try startSeeing(base + ["--shard", runs[i].shard, "--out", path("\(name)-\(i).tally"), "--plugins", plugins],
                                env: runs[i].env.merging([TallyCache.environmentVariable: path("cache")]) { $1 }, log: path("\(name)-\(i).log"))
            }
            for (i, p) in processes.enumerated() {
                p.waitUntilExit()
                XCTAssertEqual(p.terminationStatus, 0, "shard \(i): \((try? String(contentsOfFile: path("\(name)-\(i).log"), encoding: .utf8)) ?? "")")
            }
            let sizes = try (0..<3).map { try SegmentationTally.read(from: path("\(name)-\($0).tally")) }
            XCTAssertEqual(sizes.map { $0.provenance.shards?.indices }, [[0], [1], [2]])
            // Shards given in any order.
            try seeing(["stats", "merge", path("\(name)-2.tally"), path("\(name)-0.tally"), path("\(name)-1.tally"), "--out", path("\(name)-merged.tally")])
            try seeing(base + ["--out", path("\(name)-single.tally"), "--no-cache"])
            try assertIdenticalFolders(path("\(name)-merged.tally"), path("\(name)-single.tally"))
            let merged = try SegmentationTally.read(from: path("\(name)-merged.tally"))
            XCTAssertEqual(merged.count, name == "images" ? 25 : 50)
            XCTAssertEqual(sizes.map(\.count).reduce(0, +), merged.count)
        }
        // Generator shards are cut at whole batches: 13 batches of 4 → 4, 4, 5 batches.
        XCTAssertEqual(try (0..<3).map { try SegmentationTally.read(from: path("generator-\($0).tally")).count }, [16, 16, 18])
    }

    // MARK: cache

    func testCacheHitSkipsTheWorkAndAnyChangeMisses() throws {
        try StatsFixtures.Scenes().write(count: 12, seed: 1, to: path("imgs"))
        let args = ["stats", "--images", path("imgs"), "--segmenter", "oracle", "--n", "10", "--json"]
        func summary(_ r: SeeingCLI.Result) throws -> [String: Any] {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        }
        let first = try summary(seeing(args + ["--out", path("1.tally")]))
        XCTAssertEqual(first["cacheHit"] as? Bool, false)
        let entry = try XCTUnwrap(first["cacheEntry"] as? String)
        XCTAssertTrue(entry.hasPrefix(path("cache")), entry)
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: entry + "/provenance.json"))) as? [String: Any])
        XCTAssertEqual(record["images"] as? String, path("imgs"))
        XCTAssertNotNil(record["keyInputs"])

        let again = try seeing(args + ["--out", path("2.tally")])
        XCTAssertEqual(try summary(again)["cacheHit"] as? Bool, true)
        XCTAssertTrue(again.stderr.contains("cache hit"), again.stderr)
        XCTAssertFalse(again.stderr.contains("stats 1/10"), "no progress: nothing was segmented")
        try assertIdenticalFolders(path("1.tally"), path("2.tally"))

        // A different subset seed, image count, segmenter or image content is another entry.
        XCTAssertEqual(try summary(seeing(args + ["--seed", "2", "--out", path("3.tally")]))["cacheHit"] as? Bool, false)
        XCTAssertEqual(try summary(seeing(["stats", "--images", path("imgs"), "--segmenter", "oracle", "--json", "--out", path("4.tally")]))["cacheHit"] as? Bool, false)
        let otherSegmenter = args.map { $0 == "oracle" ? "oracle-copy" : $0 } + ["--out", path("5.tally")]
        XCTAssertEqual(try summary(seeing(otherSegmenter))["cacheHit"] as? Bool, false)
        let files = try ImageFolder(path: path("imgs")).selection(count: 10, seed: 1)
        try PNGWriter.write(Image8(width: 16, height: 16, channels: 3, pixels: [UInt8](repeating: 255, count: 768)), to: path("imgs/\(files[0])"))
        XCTAssertEqual(try summary(seeing(args + ["--out", path("6.tally")]))["cacheHit"] as? Bool, false)
        XCTAssertNotEqual(try SegmentationTally.read(from: path("6.tally")).perImage, try SegmentationTally.read(from: path("1.tally")).perImage)
        // The same subset seed picks the same images: a seeded subset of 10 of the 12.
        XCTAssertEqual(files, try ImageFolder(path: path("imgs")).selection(count: 10, seed: 1))
        XCTAssertEqual(files.count, 10)
    }

    // MARK: bad inputs

    func testBadInputsGiveClearErrors() throws {
        try StatsFixtures.Scenes().write(count: 6, seed: 1, to: path("imgs"))
        let stats = ["stats", "--segmenter", "oracle"]
        // An unreadable image is named.
        try StatsFixtures.Scenes().write(count: 3, seed: 1, to: path("broken"))
        try Data("definitely not a PNG".utf8).write(to: URL(fileURLWithPath: path("broken/scene_0001.png")))
        try expectFailure(stats + ["--images", path("broken"), "--out", path("x.tally")], [path("broken/scene_0001.png"), "not a PNG or JPEG"])
        // An empty folder, a missing one, a folder of other files.
        try FileManager.default.createDirectory(atPath: path("empty"), withIntermediateDirectories: true)
        try expectFailure(stats + ["--images", path("empty"), "--out", path("x.tally")], [path("empty"), "no PNG or JPEG images"])
        try expectFailure(stats + ["--images", path("nowhere"), "--out", path("x.tally")], [path("nowhere"), "does not exist"])
        // Options.
        try expectFailure(stats + ["--images", path("imgs"), "--n", "7", "--out", path("x.tally")], ["--n 7", "holds 6 images"])
        try expectFailure(stats + ["--generator", "tiny-gen", "--out", path("x.tally")], ["--n is required"])
        try expectFailure(stats + ["--generator", "tiny-gen", "--images", path("imgs"), "--n", "3", "--out", path("x.tally")], ["exactly one of"])
        try expectFailure(stats + ["--images", path("imgs"), "--shard", "3/3", "--out", path("x.tally")], ["shard 3/3", "0..<3"])
        try expectFailure(stats + ["--images", path("imgs"), "--shard", "1-3", "--out", path("x.tally")], ["expected i/N"])
        try expectFailure(stats + ["--images", path("imgs"), "--shard", "auto/3", "--out", path("x.tally")],
                          env: ["SLURM_ARRAY_TASK_ID": nil, "JOB_COMPLETION_INDEX": nil, "SEEING_SHARD_INDEX": nil], ["none of SEEING_SHARD_INDEX"])
        // Too few images for a self-distance is said so, not taken for missing per-image areas.
        try StatsFixtures.Scenes().write(count: 3, seed: 9, to: path("three"))
        try seeing(["stats", "--images", path("three"), "--segmenter", "oracle", "--out", path("three.tally")])
        try expectFailure(stats + ["--images", path("imgs"), "--shard", "0/7", "--out", path("x.tally")], ["cannot split 6 images into 7"])
        try expectFailure(["stats", "--images", path("imgs"), "--segmenter", "tiny-gen", "--out", path("x.tally")], ["not a segmenter"])
        try expectFailure(stats + ["--images", path("imgs"), "--out", path("imgs/scene_0000.png")], ["is not a tally folder; refusing to replace it"])

        // Tallies that cannot be compared.
        func tally(_ segmenter: String, _ out: String, _ extra: [String] = []) throws {
            try seeing(["stats", "--images", path("imgs"), "--segmenter", segmenter, "--out", path(out)] + extra)
        }
        try tally("oracle", "a.tally")
        try tally("oracle-renamed", "renamed.tally")
        try tally("oracle-4", "four.tally")
        try tally("oracle-copy", "copy.tally")
        try tally("oracle", "summary.tally", ["--no-per-image", "--no-cache"])
        let fsd = ["fsd", path("a.tally")]
        try expectFailure(fsd + [path("renamed.tally"), "--out", path("f")], ["label class 3 differently", "'car'", "'truck'"])
        try expectFailure(fsd + [path("four.tally"), "--out", path("f")], ["has 5 classes", "has 4"])
        try expectFailure(fsd + [path("copy.tally"), "--out", path("f")], ["different segmenters", "oracle-copy"])
        try expectFailure(fsd + [path("summary.tally"), "--out", path("f")], ["no per-image areas", "--bootstrap 0"])
        let summaryOnly = try seeing(fsd + [path("summary.tally"), "--bootstrap", "0", "--out", path("f")]).stdout
        XCTAssertTrue(summaryOnly.contains("B n/a (no per-image areas)"), summaryOnly)
        let few = try seeing(fsd + [path("three.tally"), "--bootstrap", "0", "--out", path("f")]).stdout
        XCTAssertTrue(few.contains("B n/a (3 images; halves need 2 each)"), few)
        try expectFailure(fsd + [path("missing.tally"), "--out", path("f")], [path("missing.tally")])

        // Shards: of different runs, one missing, one twice, one alone.
        try tally("oracle", "s0.tally", ["--shard", "0/3"])
        try tally("oracle", "s1.tally", ["--shard", "1/3"])
        try tally("oracle", "s2.tally", ["--shard", "2/3"])
        try tally("oracle", "other1.tally", ["--shard", "1/3", "--n", "5"])
        let merge = ["stats", "merge"]
        try expectFailure(merge + [path("s0.tally"), path("other1.tally"), path("s2.tally"), "--out", path("m")],
                          ["shards of different runs", "image count: 6 vs 5"])
        try expectFailure(merge + [path("s0.tally"), path("s2.tally"), "--out", path("m")], ["missing shard(s) 1/3"])
        try expectFailure(merge + [path("s0.tally"), path("s1.tally"), path("s1.tally"), path("s2.tally"), "--out", path("m")], ["1/3 given more than once"])
        try expectFailure(merge + [path("s0.tally"), path("a.tally"), "--out", path("m")], [path("a.tally"), "not a shard"])
        try expectFailure(fsd + [path("s1.tally"), "--bootstrap", "0", "--out", path("f")], ["one shard of a run", "merge the shards first"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("m")))
    }

    // MARK: real photographs

    func testRealPhotographsThroughTheSelfieSegmenter() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let images = root + "/models/cache/images"
        for f in ["models/cache/selfie-segmenter/selfie-segmenter.onnx", "models/cache/images/person.jpg", "models/cache/images/china.jpg"]
        where !FileManager.default.fileExists(atPath: root + "/" + f) {
            throw XCTSkip("\(f) is missing: run python3 scripts/fetch-models.py")
        }
        let r = try SeeingCLI.run(["stats", "--images", images, "--segmenter", "selfie-segmenter", "--out", path("photos.tally"),
                                   "--plugins", root + "/plugins.json", "--no-cache"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try SegmentationTally.read(from: path("photos.tally"))
        XCTAssertEqual(t.classNames, ["background", "person"])
        XCTAssertEqual(t.count, 2)
        XCTAssertEqual(t.accumulation, .pixelCounts(pixelsPerImage: 256 * 256))
        // Rows: china.jpg, person.jpg. `seeing segment` finds person.jpg 7.6 % person (docs/plugins.md).
        XCTAssertEqual(t.perImage[3], 7.6, accuracy: 0.1)
        XCTAssertEqual(t.perImage[0] + t.perImage[1], 100, accuracy: 1e-9)
    }
}
