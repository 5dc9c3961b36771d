import Runtime

/// Generated Image Segmentation Statistics for a generator against real images: FSD with its
/// parts and uncertainty, and per class the mean areas, their relative difference, Welch's test
/// and Benjamini–Hochberg control of the false discovery rate.
public struct FSDReport: Codable, Equatable, Sendable {
    public struct Options: Sendable {
        /// Bootstrap resamples for the interval; 0 skips it (no per-image vectors needed then).
        public var resamples = 200
        public var confidence = 0.95
        public var seed: UInt64 = 1
        public var threads = 2
        /// Also compute each set's self-distance (two random halves; needs per-image vectors).
        public var selfDistances = true
        /// False discovery rate for the per-class tests.
        public var falseDiscoveryRate = 0.05
        /// Classes kept in the rows but left out of the tests and flagged (class 0, '-', is the
        /// original segmenter's "no label").
        public var excludedClasses: Set<Int> = [0]
        /// Called with the number of bootstrap resamples done (from worker threads, one call at a time).
        public var bootstrapProgress: (@Sendable (Int) -> Void)?

        public init() {}
    }

    public struct ClassRow: Codable, Equatable, Sendable {
        public var index: Int
        public var name: String
        /// Mean area in percent.
        public var realMean: Double
        public var generatedMean: Double
        /// (generated − real) / real; nil when the class never occurs in the real images.
        public var relativeDifference: Double?
        /// Welch's test, generated vs real (nil for excluded classes).
        public var test: WelchTest?
        /// Benjamini–Hochberg adjusted p-value over the tested classes.
        public var q: Double?
        /// q ≤ the false discovery rate.
        public var significant: Bool
        /// "under" or "over" (generated vs real) when significant.
        public var direction: String?
        /// Left out of the tests (e.g. class 0, no label).
        public var excluded: Bool
    }

    public var realCount: Int
    public var generatedCount: Int
    public var fsd: FrechetDistance
    public var interval: FSDInterval?
    public var realSelfDistance: FrechetDistance?
    public var generatedSelfDistance: FrechetDistance?
    public var falseDiscoveryRate: Double
    public var realProvenance: TallyProvenance
    public var generatedProvenance: TallyProvenance
    /// By descending real mean area (ties by class index).
    public var classes: [ClassRow]

    public init(real: SegmentationTally, generated: SegmentationTally, options: Options = Options()) throws {
        guard options.falseDiscoveryRate > 0, options.falseDiscoveryRate < 1 else {
            throw RuntimeError(.badInput, "false discovery rate must be in (0, 1), got \(options.falseDiscoveryRate)")
        }
        let r = try real.moments(), g = try generated.moments()
        fsd = try FrechetDistance.between(r, g)
        realCount = r.count
        generatedCount = g.count
        falseDiscoveryRate = options.falseDiscoveryRate
        realProvenance = real.provenance
        generatedProvenance = generated.provenance
        if options.resamples > 0 {
            interval = try FSDBootstrap.interval(real: real, generated: generated, resamples: options.resamples,
                                                 confidence: options.confidence, seed: options.seed, threads: options.threads,
                                                 progress: options.bootstrapProgress)
        }
        if options.selfDistances {
            realSelfDistance = try FSDBootstrap.selfDistance(real, seed: options.seed)
            generatedSelfDistance = try FSDBootstrap.selfDistance(generated, seed: options.seed)
        }
        classes = try Self.classRows(real: r, generated: g, excluded: options.excludedClasses, fdr: options.falseDiscoveryRate)
    }

    static func classRows(real r: SegmentationMoments, generated g: SegmentationMoments, excluded: Set<Int>,
                          fdr: Double) throws -> [ClassRow] {
        let k = r.classCount
        let rv = r.variances, gv = g.variances
        var rows: [ClassRow] = []
        for c in 0..<k {
            let test = excluded.contains(c) ? nil
                : try WelchTest(mean1: r.mean[c], variance1: rv[c], count1: r.count, mean2: g.mean[c], variance2: gv[c], count2: g.count)
            rows.append(ClassRow(index: c, name: r.classNames[c], realMean: r.mean[c], generatedMean: g.mean[c],
                                 relativeDifference: r.mean[c] > 0 ? (g.mean[c] - r.mean[c]) / r.mean[c] : nil,
                                 test: test, q: nil, significant: false, direction: nil, excluded: excluded.contains(c)))
        }
        let tested = rows.indices.filter { rows[$0].test != nil }
        let q = BenjaminiHochberg.qValues(tested.map { rows[$0].test!.p })
        for (i, row) in tested.enumerated() {
            rows[row].q = q[i]
            if q[i] <= fdr {
                rows[row].significant = true
                rows[row].direction = rows[row].generatedMean < rows[row].realMean ? "under" : "over"
            }
        }
        return rows.sorted { $0.realMean > $1.realMean || ($0.realMean == $1.realMean && $0.index < $1.index) }
    }
}
