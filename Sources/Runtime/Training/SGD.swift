/// Stochastic gradient descent with optional (heavy-ball) momentum and a step-decay schedule.
public struct SGD: Optimizer {
    public var schedule: LearningRateSchedule
    public var momentum: Float
    public private(set) var step = 0
    private var velocity: [String: Tensor] = [:]

    public init(schedule: LearningRateSchedule, momentum: Float = 0) {
        self.schedule = schedule
        self.momentum = momentum
    }

    public mutating func update(_ params: inout [String: Tensor], gradients grads: [String: Tensor]) throws {
        let lr = Float(schedule.rate(at: step))
        step += 1
        for name in params.keys.sorted() {
            let g = try OptimizerMath.check(params[name]!, grads[name], name)
            var p = params[name]!
            var vel = velocity[name] ?? Tensor(zeros: p.shape)
            let mu = momentum
            g.withUnsafeBufferPointer(as: Float.self) { gp in
                p.withUnsafeMutableBufferPointer(as: Float.self) { pp in
                    vel.withUnsafeMutableBufferPointer(as: Float.self) { vp in
                        for i in pp.indices {
                            vp[i] = mu * vp[i] + gp[i]
                            pp[i] -= lr * vp[i]
                        }
                    }
                }
            }
            params[name] = p
            if mu != 0 { velocity[name] = vel }
        }
    }

    public var state: [String: Tensor] {
        var s: [String: Tensor] = ["step": OptimizerMath.stepTensor(step)]
        for (k, t) in velocity { s["velocity/" + k] = t }
        return s
    }

    public mutating func restore(_ state: [String: Tensor]) throws {
        step = try OptimizerMath.restoreStep(state)
        velocity = [:]
        for (k, t) in state where k.hasPrefix("velocity/") { velocity[String(k.dropFirst(9))] = t }
    }
}
