import Runtime

/// One slice `index` of `count` (0-based) of a planned image set: contiguous, in order, the
/// same for every run, so shards merged in index order hold the images of a single run in the
/// same order.
public struct Shard: Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, of count: Int) throws {
        guard count >= 1, (0..<count).contains(index) else {
            throw RuntimeError(.badInput, "shard \(index)/\(count): the index must be in 0..<\(count) (shards are numbered from 0)")
        }
        self.index = index
        self.count = count
    }

    public var description: String { "\(index)/\(count)" }

    /// Where a scheduler puts the task's index, in the order they are tried: Seeing's own,
    /// a Slurm job array's (relative to the array's first index), a Kubernetes Indexed Job's.
    public static let indexVariables = ["SEEING_SHARD_INDEX", "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"]

    /// Parses `i/N`, or `auto/N` with the index from the environment (`indexVariables`;
    /// for Slurm, SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN, so `--array=1-8` works too).
    public static func parse(_ text: String, environment: [String: String]) throws -> Shard {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, let n = Int(parts[1]) else {
            throw RuntimeError(.badInput, "--shard '\(text)': expected i/N (e.g. 0/4) or auto/N")
        }
        if parts[0] == "auto" {
            guard let variable = indexVariables.first(where: { environment[$0] != nil }), let raw = environment[variable] else {
                throw RuntimeError(.badInput, "--shard auto/\(n): none of \(indexVariables.joined(separator: ", ")) is set")
            }
            guard var index = Int(raw) else { throw RuntimeError(.badInput, "--shard auto/\(n): \(variable)='\(raw)' is not a whole number") }
            if variable == "SLURM_ARRAY_TASK_ID", let first = environment["SLURM_ARRAY_TASK_MIN"].flatMap({ Int($0) }) { index -= first }
            return try Shard(index: index, of: n)
        }
        guard let i = Int(parts[0]) else { throw RuntimeError(.badInput, "--shard '\(text)': expected i/N (e.g. 0/4) or auto/N") }
        return try Shard(index: i, of: n)
    }

    /// The images of this shard among `total`, cut at multiples of `unit` (a generator's batch,
    /// so each image is generated in the same batch as in a single run): whole units
    /// ⌊i·U/N⌋ ..< ⌊(i+1)·U/N⌋ of U = ⌈total/unit⌉.
    public func range(of total: Int, unit: Int = 1) throws -> Range<Int> {
        let units = (total + unit - 1) / unit
        guard units >= count else {
            throw RuntimeError(.badInput, "cannot split \(total) images\(unit > 1 ? " in batches of \(unit) (\(units) batches)" : "") into \(count) non-empty shards")
        }
        let first = index * units / count, end = (index + 1) * units / count
        return (first * unit)..<min(end * unit, total)
    }
}
