/// Step decay: the rate is multiplied by `gamma` at each milestone step (the original code's
/// schedules: ×0.1 at 20% and 60% of training, ×0.5 at steps 800, 1200, 1800, …).
public struct LearningRateSchedule: Equatable, Sendable {
    public var base: Double
    public var milestones: [Int]
    public var gamma: Double

    public init(base: Double, milestones: [Int] = [], gamma: Double = 0.1) {
        self.base = base
        self.milestones = milestones.sorted()
        self.gamma = gamma
    }

    public static func constant(_ lr: Double) -> LearningRateSchedule { LearningRateSchedule(base: lr) }

    /// The rate for 0-based `step`.
    public func rate(at step: Int) -> Double {
        base * pow(gamma, Double(milestones.filter { step >= $0 }.count))
    }

    private func pow(_ b: Double, _ e: Double) -> Double {
        var r = 1.0
        for _ in 0..<Int(e) { r *= b }
        return r
    }
}
