import Runtime

/// Where a tally's images came from, supplied by the caller and stored with the tally, so a
/// cached tally can be checked against the run that wants to reuse it and two tallies of
/// different origin are never merged by mistake.
public struct TallyProvenance: Codable, Equatable, Sendable {
    /// Which shards (of how many) of one planned image set a tally holds.
    public struct Shards: Codable, Equatable, Sendable {
        public var count: Int
        /// Sorted, distinct, each in 0..<count.
        public var indices: [Int]

        public init(count: Int, indices: [Int]) {
            self.count = count
            self.indices = indices
        }
    }

    /// Segmenter identity (name, weights hash).
    public var segmenter: String
    /// Image preprocessing, e.g. "resize shorter side 256, centre crop 256x256".
    public var preprocessing: String
    /// What the images are: a data set path or a generator description.
    public var source: String
    /// A hash of the source (data set listing, generator weights), if known.
    public var sourceHash: String?
    /// Seed that chose the images (subset or latents), if any.
    public var seed: UInt64?
    /// Images in the whole planned set (all shards together).
    public var plannedCount: Int?
    /// nil: the tally is not part of a sharded run.
    public var shards: Shards?

    public init(segmenter: String, preprocessing: String, source: String, sourceHash: String? = nil,
                seed: UInt64? = nil, plannedCount: Int? = nil, shard: (index: Int, of: Int)? = nil) {
        self.segmenter = segmenter
        self.preprocessing = preprocessing
        self.source = source
        self.sourceHash = sourceHash
        self.seed = seed
        self.plannedCount = plannedCount
        self.shards = shard.map { Shards(count: $0.of, indices: [$0.index]) }
    }

    /// The fields other than the shards in which `other` differs, each as "what: this vs that"
    /// (empty when both describe the same planned run).
    public func differences(from other: TallyProvenance) -> [String] {
        func show<T>(_ v: T?) -> String { v.map { "\($0)" } ?? "none" }
        var out: [String] = []
        if segmenter != other.segmenter { out.append("segmenter: \(segmenter) vs \(other.segmenter)") }
        if preprocessing != other.preprocessing { out.append("preprocessing: \(preprocessing) vs \(other.preprocessing)") }
        if source != other.source { out.append("source: \(source) vs \(other.source)") }
        if sourceHash != other.sourceHash { out.append("source hash: \(show(sourceHash)) vs \(show(other.sourceHash))") }
        if seed != other.seed { out.append("seed: \(show(seed)) vs \(show(other.seed))") }
        if plannedCount != other.plannedCount { out.append("image count: \(show(plannedCount)) vs \(show(other.plannedCount))") }
        return out
    }

    /// Checks that shard numbers are consistent.
    func validate() throws {
        guard let s = shards else { return }
        guard s.count >= 1, !s.indices.isEmpty, s.indices.allSatisfy({ (0..<s.count).contains($0) }),
              s.indices == Array(Set(s.indices)).sorted() else {
            throw RuntimeError(.badInput, "tally provenance: shard indices \(s.indices) are not distinct, sorted and in 0..<\(s.count)")
        }
    }

    /// The provenance of the union of two tallies: everything but the shards must agree, and
    /// the shards must be of the same split and disjoint.
    func merged(with other: TallyProvenance) throws -> TallyProvenance {
        func same<T: Equatable>(_ a: T, _ b: T, _ what: String) throws {
            guard a == b else {
                throw RuntimeError(.badInput, "cannot merge tallies with different \(what): \(String(describing: a)) vs \(String(describing: b))")
            }
        }
        try same(segmenter, other.segmenter, "segmenters")
        try same(preprocessing, other.preprocessing, "preprocessing")
        try same(source, other.source, "sources")
        try same(sourceHash, other.sourceHash, "source hashes")
        try same(seed, other.seed, "seeds")
        try same(plannedCount, other.plannedCount, "planned image counts")
        var result = self
        switch (shards, other.shards) {
        case (nil, nil):
            break
        case let (a?, b?):
            guard a.count == b.count else {
                throw RuntimeError(.badInput, "cannot merge shards of a \(a.count)-way split with shards of a \(b.count)-way split")
            }
            let overlap = Set(a.indices).intersection(b.indices)
            guard overlap.isEmpty else {
                throw RuntimeError(.badInput, "cannot merge: shard(s) \(overlap.sorted()) of \(a.count) are in both tallies")
            }
            result.shards = Shards(count: a.count, indices: (a.indices + b.indices).sorted())
        default:
            throw RuntimeError(.badInput, "cannot merge a sharded tally with an unsharded one")
        }
        return result
    }
}
