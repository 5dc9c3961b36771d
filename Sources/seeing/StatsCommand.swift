import ArgumentParser
import Foundation
import Plugins
import Runtime

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Generated Image Segmentation Statistics: tally the class areas of a generator's samples or an image folder.",
        discussion: """
        `seeing stats (--generator ID | --images DIR) --segmenter ID …` tallies (the default subcommand); \
        `seeing stats merge SHARD… --out TALLY` merges the shards of one run. See docs/statistics.md.
        """,
        subcommands: [StatsCollectCommand.self, StatsMergeCommand.self],
        defaultSubcommand: StatsCollectCommand.self)
}

struct StatsCollectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Segment N images and write their tally (per-class area sums, products and per-image areas).",
        discussion: """
        Images are resized so their shorter side fits the segmenter's input, centre-cropped, \
        segmented, and each image's class areas (percent of the label map) are tallied exactly in \
        pixel counts. Generated images are rounded to 8-bit RGB first, as saved samples are. \
        A finished tally is cached, keyed by the images (their content; for a generator its model \
        file hashes, seed and batch), the segmenter (and its model hash), the preprocessing, N and \
        the shard; a rerun finds it and skips the work. --shard i/N (0-based) or auto/N (index from \
        SEEING_SHARD_INDEX, SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX) tallies one deterministic \
        slice; `seeing stats merge` combines the shards into exactly the tally of a single run.
        """)

    @OptionGroup var options: PluginsOptions
    @Option(help: "A registered generator's id.") var generator: String?
    @Option(help: ArgumentHelp("A folder of PNG and JPEG images (searched recursively).", valueName: "dir")) var images: String?
    @Option(help: "A registered segmenter's id.") var segmenter: String
    @Option(help: "Number of images: required for a generator; for a folder, default all, fewer takes a seeded random subset.")
    var n: Int?
    @Option(help: "Seed of the generator's latents, or of the folder's subset.") var seed: UInt64 = 1
    @Option(help: "Generator samples per forward pass (default 16; shards are cut at whole batches).") var batch: Int?
    @Option(help: ArgumentHelp("Tally only slice i of N (0-based), or auto/N: the index from the scheduler's environment.", valueName: "i/N"))
    var shard: String?
    @Option(help: ArgumentHelp("The tally folder to write.", valueName: "tally")) var out: String
    @Option(help: ArgumentHelp("Cache folder (default: $SEEING_CACHE, else .cache/seeing/stats in the working directory).", valueName: "dir"))
    var cache: String?
    @Flag(help: "Neither read nor write the cache.") var noCache = false
    @Flag(help: "Keep only the sums (no per-image areas: no bootstrap interval or self-distance later).") var noPerImage = false
    @Flag(help: "Print a JSON summary on standard output.") var json = false
    @Option(help: "Backend: dnnl (default) or reference.") var backend: String = "dnnl"

    func validate() throws {
        guard (generator == nil) != (images == nil) else { throw ValidationError("give exactly one of --generator ID and --images DIR") }
        if generator != nil, n == nil { throw ValidationError("--n is required with --generator") }
        if let n, n < 1 { throw ValidationError("--n must be at least 1, got \(n)") }
        if let batch, batch < 1 { throw ValidationError("--batch must be at least 1, got \(batch)") }
        if images != nil, batch != nil { throw ValidationError("--batch applies to --generator only") }
    }

    func run() throws {
        try refuseToReplaceNonTally(out)
        let environment = ProcessInfo.processInfo.environment
        let shard = try self.shard.map { try Shard.parse($0, environment: environment) }
        let zoo = try options.zoo(backend: backend)
        let plan: TallyPlan
        if let images {
            plan = try TallyPlan.images(ImageFolder(path: images), count: n, seed: seed, segmenter: segmenter, zoo: zoo,
                                        shard: shard, keepsPerImage: !noPerImage)
        } else {
            plan = try TallyPlan.generator(generator!, count: n!, seed: seed, batch: batch ?? 16, segmenter: segmenter, zoo: zoo,
                                           shard: shard, keepsPerImage: !noPerImage)
        }
        let what = images.map { "images in \($0)" } ?? "samples of \(generator!) (seed \(seed), batch \(batch ?? 16))"
        let slice = shard.map { ", shard \($0): images \(plan.range.lowerBound)..<\(plan.range.upperBound)" } ?? ""
        note("stats: \(plan.total) \(what) through \(segmenter)\(slice)")

        let store = noCache ? nil : TallyCache.locate(explicit: cache, environment: environment)
        let start = Date()
        var tally: SegmentationTally
        var key: String?
        var hit = false
        if let store, let found = try store.lookup(plan) {
            (tally, key, hit) = (found.tally, found.key, true)
            let when = store.record(found.key)?["computed"] as? String
            note("cache hit: \(store.entry(found.key))\(when.map { " (computed \($0))" } ?? ""); nothing recomputed")
        } else {
            let bar = ProgressBar(total: plan.range.count, label: "stats", unit: "images")
            tally = try TallyCollector.run(plan) { bar.update($0) }
        }
        let seconds = Date().timeIntervalSince(start)
        try tally.write(to: out)
        if let store, !hit {
            do {
                key = try store.store(tally, for: plan, record: [
                    "command": CommandLine.arguments.joined(separator: " "), "workingDirectory": FileManager.default.currentDirectoryPath,
                    "images": images.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? "generator \(generator!)",
                    "seconds": String(format: "%.3f", seconds),
                ])
            } catch {
                warn("could not store the tally in the cache \(store.directory): \(error)")
            }
        }
        let rate = hit || seconds <= 0 ? nil : Double(tally.count) / seconds
        if json {
            var summary: [String: Any] = [
                "out": out, "images": tally.count, "classes": tally.classCount, "plannedImages": plan.total,
                "range": [plan.range.lowerBound, plan.range.upperBound], "cacheHit": hit, "seconds": seconds,
                "provenance": try JSONSerialization.jsonObject(with: JSONEncoder().encode(tally.provenance)),
            ]
            if let shard { summary["shard"] = shard.description }
            if let rate { summary["imagesPerSecond"] = rate }
            if let key, let store { summary["cacheEntry"] = store.entry(key) }
            print(String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
        } else {
            let speed = rate.map { String(format: " in %.1f s, %.1f images/s", seconds, $0) } ?? ""
            print("wrote \(out): \(tally.count) images × \(tally.classCount) classes\(speed)"
                + (key.map { hit ? "" : " (cached as \($0.prefix(16))…)" } ?? ""))
        }
    }

    /// Progress and notes go to standard error, so --json output stays parseable.
    private func note(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
    private func warn(_ s: String) { note("warning: " + s) }
}

struct StatsMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the shard tallies of one run into the tally of the whole run.",
        discussion: """
        Every shard of the split must be given once, and all must come from the same run (same \
        images, seed, count, segmenter and preprocessing). The result equals, bit for bit, the tally \
        a single unsharded run writes.
        """)

    @Argument(help: ArgumentHelp("Shard tallies (from `seeing stats --shard i/N`), in any order.", valueName: "shard"))
    var shards: [String]
    @Option(help: ArgumentHelp("The merged tally folder to write.", valueName: "tally")) var out: String
    @Flag(help: "Print a JSON summary on standard output.") var json = false

    func run() throws {
        guard !shards.isEmpty else { throw CLIError("give the shard tallies to merge") }
        try refuseToReplaceNonTally(out)
        let tallies = try shards.map { try SegmentationTally.read(from: $0) }
        for (path, t) in zip(shards, tallies) {
            guard t.provenance.shards != nil else { throw CLIError("\(path) is not a shard tally (made without --shard)") }
        }
        let (first, firstPath) = (tallies[0], shards[0])
        for (path, t) in zip(shards, tallies).dropFirst() {
            let differences = first.provenance.differences(from: t.provenance)
            guard differences.isEmpty else {
                throw CLIError("\(path) and \(firstPath) are shards of different runs:\n  " + differences.joined(separator: "\n  "))
            }
            guard t.classNames == first.classNames else {
                throw CLIError("\(path) and \(firstPath) have different classes (\(t.classCount) vs \(first.classCount))")
            }
        }
        let merged: SegmentationTally
        do {
            merged = try SegmentationTally.mergedShards(tallies)
        } catch {
            throw CLIError("cannot merge \(shards.joined(separator: " ")): \(error)")
        }
        try merged.write(to: out)
        if json {
            let summary: [String: Any] = ["out": out, "images": merged.count, "classes": merged.classCount, "shards": shards.count]
            print(String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
        } else {
            print("wrote \(out): \(merged.count) images × \(merged.classCount) classes from \(shards.count) shards")
        }
    }
}

/// `--out` may replace an earlier tally, never another file or folder.
func refuseToReplaceNonTally(_ path: String) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
    guard isDirectory.boolValue, FileManager.default.fileExists(atPath: path + "/tally.json") else {
        throw CLIError("\(path) exists and is not a tally folder; refusing to replace it")
    }
}
