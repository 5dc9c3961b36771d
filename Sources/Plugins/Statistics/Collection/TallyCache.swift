import Foundation
import Runtime

/// Finished tallies kept by what made them. An entry is a folder named by the key —
/// SHA-256 of the provenance (segmenter identity, preprocessing, source and its hash, seed,
/// image count, shard), the class names and whether per-image areas are kept — holding the
/// tally (`tally/`) and `provenance.json` beside it: the key's inputs in words, plus where and
/// when it was computed. A tally is written to a temporary folder and renamed into place, so
/// shards writing to one cache concurrently never see each other's half-written entries.
public struct TallyCache {
    public let directory: String

    /// Names the cache folder when `--cache` is not given.
    public static let environmentVariable = "SEEING_CACHE"
    /// The default, relative to the working directory.
    public static let defaultDirectory = ".cache/seeing/stats"
    static let keyVersion = "seeing-stats-cache 1"

    public init(directory: String) { self.directory = directory }

    /// `explicit` (--cache), else $SEEING_CACHE, else `.cache/seeing/stats` in the working directory.
    public static func locate(explicit: String?, environment: [String: String]) -> TallyCache {
        if let explicit { return TallyCache(directory: explicit) }
        if let env = environment[environmentVariable], !env.isEmpty { return TallyCache(directory: env) }
        return TallyCache(directory: defaultDirectory)
    }

    /// What identifies a tally, as sorted-key JSON.
    static func keyDocument(_ plan: TallyPlan) throws -> Data {
        struct Key: Encodable {
            var version: String
            var provenance: TallyProvenance
            var classNames: [String]
            var keepsPerImage: Bool
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(Key(version: keyVersion, provenance: plan.provenance, classNames: plan.classNames,
                                      keepsPerImage: plan.keepsPerImage))
    }

    public func key(for plan: TallyPlan) throws -> String { SHA256.hex(try Self.keyDocument(plan)) }

    public func entry(_ key: String) -> String { (directory as NSString).appendingPathComponent(key) }

    /// The cached tally for `plan`, or nil. An entry that cannot be read or does not match the
    /// plan is a miss (and is replaced when the new result is stored).
    public func lookup(_ plan: TallyPlan) throws -> (tally: SegmentationTally, key: String)? {
        let key = try key(for: plan)
        let path = entry(key) + "/tally"
        guard FileManager.default.fileExists(atPath: path + "/tally.json"),
              let tally = try? SegmentationTally.read(from: path),
              tally.provenance == plan.provenance, tally.classNames == plan.classNames, tally.keepsPerImage == plan.keepsPerImage,
              tally.count == plan.range.count else { return nil }
        return (tally, key)
    }

    /// Stores `tally` as the result of `plan`; `record` adds to provenance.json (paths, timing).
    /// Returns the key.
    @discardableResult
    public func store(_ tally: SegmentationTally, for plan: TallyPlan, record: [String: String] = [:]) throws -> String {
        let key = try key(for: plan)
        let dir = entry(key)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw RuntimeError(.badInput, "cannot create cache folder \(dir): \(error.localizedDescription)")
        }
        try tally.write(to: dir + "/tally")
        var info: [String: Any] = [
            "key": key,
            "keyInputs": try JSONSerialization.jsonObject(with: try Self.keyDocument(plan)),
            "images": tally.count,
            "computed": ISO8601DateFormatter().string(from: Date()),
            "host": ProcessInfo.processInfo.hostName,
        ]
        for (k, v) in record { info[k] = v }
        let data = try JSONSerialization.data(withJSONObject: info, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        do {
            try data.write(to: URL(fileURLWithPath: dir + "/provenance.json"), options: .atomic)
        } catch {
            throw RuntimeError(.badInput, "cannot write \(dir)/provenance.json: \(error.localizedDescription)")
        }
        return key
    }

    /// provenance.json of an entry, as JSON.
    public func record(_ key: String) -> [String: Any]? {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: entry(key) + "/provenance.json")) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }
}
