import Runtime

extension SegmentationTally {
    /// Merges the shard tallies of one sharded run into the tally of the whole run: every
    /// shard of the split exactly once, the same provenance otherwise. The result carries the
    /// provenance of the unsharded run (no shard numbers), so in pixel-count mode it equals a
    /// single run over all images bit for bit, files included.
    public static func mergedShards(_ tallies: [SegmentationTally]) throws -> SegmentationTally {
        guard let first = tallies.first else { throw RuntimeError(.badInput, "no shard tallies to merge") }
        guard let split = first.provenance.shards?.count else {
            throw RuntimeError(.badInput, "tally 1 is not a shard (it was not made with a shard number)")
        }
        for (i, t) in tallies.enumerated() {
            guard let s = t.provenance.shards else {
                throw RuntimeError(.badInput, "tally \(i + 1) is not a shard (it was not made with a shard number)")
            }
            guard s.count == split else {
                throw RuntimeError(.badInput, "tally \(i + 1) is from a \(s.count)-way split, tally 1 from a \(split)-way split")
            }
        }
        let held = tallies.flatMap { $0.provenance.shards!.indices }
        let duplicates = Set(held.filter { i in held.filter { $0 == i }.count > 1 })
        guard duplicates.isEmpty else {
            throw RuntimeError(.badInput, "shard(s) \(duplicates.sorted().map { "\($0)/\(split)" }.joined(separator: ", ")) given more than once")
        }
        let missing = Set(0..<split).subtracting(held)
        guard missing.isEmpty else {
            throw RuntimeError(.badInput, "missing shard(s) \(missing.sorted().map { "\($0)/\(split)" }.joined(separator: ", ")) of the \(split)-way split (have \(Set(held).sorted().map { "\($0)/\(split)" }.joined(separator: ", ")))")
        }
        // Per-image rows follow shard order: inputs holding several shards must hold runs of them.
        let order = tallies.sorted { $0.provenance.shards!.indices[0] < $1.provenance.shards!.indices[0] }
        guard order.flatMap({ $0.provenance.shards!.indices }) == Array(0..<split) else {
            throw RuntimeError(.badInput, "tallies holding several shards must hold consecutive ones, so that images keep their order")
        }
        var merged = try SegmentationTally.merged(order)
        merged.provenance.shards = nil
        return merged
    }
}
