import Runtime

/// How a checkpoint's tensors matched what an architecture asked for. Every problem is listed,
/// not just the first, so one run tells a user everything wrong with a file.
public struct WeightReport: CustomStringConvertible {
    public struct Mismatch: Equatable {
        public var name: String
        public var expected: [Int]
        public var got: [Int]

        public init(name: String, expected: [Int], got: [Int]) {
            self.name = name
            self.expected = expected
            self.got = got
        }
    }

    /// Asked for by the architecture, absent from the checkpoint (initialised instead).
    public var missing: [String] = []
    /// In the checkpoint, never asked for.
    public var unexpected: [String] = []
    /// Present with the wrong shape (initialised instead).
    public var misshaped: [Mismatch] = []
    /// Bound from the checkpoint.
    public var loaded: [String] = []
    /// In the checkpoint, known to the architecture and deliberately unused (BatchNorm's
    /// `num_batches_tracked`, heads a builder does not build).
    public var ignored: [String] = []
    /// Every parameter the architecture asked for, in order (bound or initialised): what a
    /// trainer may train, as opposed to the graph's fixed constants.
    public var parameters: [String] = []

    public init() {}

    public var isExact: Bool { missing.isEmpty && unexpected.isEmpty && misshaped.isEmpty }

    public var description: String {
        var lines = ["\(loaded.count) tensors loaded"]
        if !ignored.isEmpty { lines.append("ignored (\(ignored.count)): " + ignored.joined(separator: ", ")) }
        if !missing.isEmpty { lines.append("missing (\(missing.count)): " + missing.joined(separator: ", ")) }
        if !unexpected.isEmpty { lines.append("unexpected (\(unexpected.count)): " + unexpected.joined(separator: ", ")) }
        for m in misshaped { lines.append("mis-shaped: \(m.name) expected \(m.expected), got \(m.got)") }
        return lines.joined(separator: "\n")
    }
}
