import Runtime

/// Why a conformance test did not pass, in the categories the manifest's reasons use.
public enum FailureCategory: String, Sendable, CaseIterable {
    /// The test uses an op the registry lacks.
    case opNotInScope = "op not in scope"
    /// Tensors of an element type the runtime cannot hold (string, complex, float8, …).
    case exoticDType = "exotic dtype"
    /// Sequence, map or optional values.
    case nonTensorType = "sequence/optional types"
    /// Everything else: import, run or comparison failed for an op that is in scope.
    case fails = "fails"

    /// Parses the category a manifest reason starts with ("fails: …" → .fails).
    public init?(reason: String) {
        guard let c = FailureCategory.allCases.first(where: { reason.hasPrefix($0.rawValue + ":") || reason == $0.rawValue }) else {
            return nil
        }
        self = c
    }
}

/// The result of one conformance test on one backend.
public struct ConformanceOutcome: Sendable {
    public var name: String
    public var backend: BackendKind
    /// The model's op types (what the per-op summary counts the test under).
    public var ops: [String]
    public var failure: (category: FailureCategory, message: String)?

    public var passed: Bool { failure == nil }
    /// "fails: output 'y': 3 of 6 elements differ …": the manifest's exclusion reason.
    public var reason: String? { failure.map { "\($0.category.rawValue): \($0.message)" } }
}
