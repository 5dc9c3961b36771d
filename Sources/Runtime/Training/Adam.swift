import Foundation

/// Adam (Kingma & Ba) with bias correction, optional L2 weight decay, and a step-decay schedule.
public struct Adam: Optimizer {
    public var schedule: LearningRateSchedule
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    public private(set) var step = 0
    private var m: [String: Tensor] = [:]
    private var v: [String: Tensor] = [:]

    public init(schedule: LearningRateSchedule, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0) {
        self.schedule = schedule
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    public init(lr: Double) { self.init(schedule: .constant(lr)) }

    public mutating func update(_ params: inout [String: Tensor], gradients grads: [String: Tensor]) throws {
        let lr = Float(schedule.rate(at: step))
        step += 1
        let c1 = 1 - Float(Foundation.pow(Double(beta1), Double(step)))
        let c2 = 1 - Float(Foundation.pow(Double(beta2), Double(step)))
        for name in params.keys.sorted() {
            let g = try OptimizerMath.check(params[name]!, grads[name], name)
            var p = params[name]!
            var mt = m[name] ?? Tensor(zeros: p.shape)
            var vt = v[name] ?? Tensor(zeros: p.shape)
            let (b1, b2, eps, wd) = (beta1, beta2, epsilon, weightDecay)
            g.withUnsafeBufferPointer(as: Float.self) { gp in
                p.withUnsafeMutableBufferPointer(as: Float.self) { pp in
                    mt.withUnsafeMutableBufferPointer(as: Float.self) { mp in
                        vt.withUnsafeMutableBufferPointer(as: Float.self) { vp in
                            for i in pp.indices {
                                let gi = gp[i] + wd * pp[i]
                                mp[i] = b1 * mp[i] + (1 - b1) * gi
                                vp[i] = b2 * vp[i] + (1 - b2) * gi * gi
                                pp[i] -= lr * (mp[i] / c1) / ((vp[i] / c2).squareRoot() + eps)
                            }
                        }
                    }
                }
            }
            params[name] = p
            m[name] = mt
            v[name] = vt
        }
    }

    public var state: [String: Tensor] {
        var s: [String: Tensor] = ["step": OptimizerMath.stepTensor(step)]
        for (k, t) in m { s["m/" + k] = t }
        for (k, t) in v { s["v/" + k] = t }
        return s
    }

    public mutating func restore(_ state: [String: Tensor]) throws {
        step = try OptimizerMath.restoreStep(state)
        m = [:]
        v = [:]
        for (k, t) in state {
            if k.hasPrefix("m/") { m[String(k.dropFirst(2))] = t }
            if k.hasPrefix("v/") { v[String(k.dropFirst(2))] = t }
        }
    }
}
