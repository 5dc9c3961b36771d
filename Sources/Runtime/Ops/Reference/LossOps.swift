/// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (opset 12+): scores [N, C, d1…],
/// class targets [N, d1…], optional per-class weights [C]. Scores are viewed as [N, C, D]
/// with D = d1·…; float32/float64 run natively, float16/bfloat16 in float32.
func registerLossOps(into r: OpRegistry) {
    r.register("NegativeLogLikelihoodLoss", since: 12) { inputs, ctx in
        try classLoss(inputs, ctx, softmax: false)
    }
    r.register("SoftmaxCrossEntropyLoss", since: 12) { inputs, ctx in
        try classLoss(inputs, ctx, softmax: true)
    }
    r.registerVJP("NegativeLogLikelihoodLoss") { c in [try classLossGradient(c, softmax: false), nil, nil] }
    r.registerVJP("SoftmaxCrossEntropyLoss") { c in [try classLossGradient(c, softmax: true), nil, nil] }
}

private enum LossReduction: String { case none, sum, mean }

/// Everything about a loss node that does not depend on the score element type.
private struct ClassLossPlan {
    let batch: Int, classes: Int, inner: Int
    /// Per (n, d): the target class, or -1 where the target is `ignore_index`.
    let targets: [Int]
    /// Per class weight (all 1 without a weight input).
    let weights: [Double]
    let targetShape: [Int]
    let reduction: LossReduction

    init(_ x: Tensor, _ target: Tensor, _ weight: Tensor?, _ ctx: KernelContext) throws {
        let op = ctx.node.opType
        guard x.rank >= 2 else { throw RuntimeError.invalid("\(op): scores must have shape [N, C, d1…], got \(x.shape)") }
        let expected = [x.shape[0]] + x.shape[2...]
        guard target.shape == expected else {
            throw RuntimeError.invalid("\(op): target must have shape \(expected) (scores \(x.shape) without the class axis), got \(target.shape)")
        }
        guard target.dtype == .int64 || target.dtype == .int32 else {
            throw RuntimeError.dtype("\(op): target must be int32 or int64, got \(target.dtype)")
        }
        let reductionName = ctx.node.string("reduction", default: "mean")
        guard let red = LossReduction(rawValue: reductionName) else {
            throw RuntimeError.invalid("\(op): reduction must be \"none\", \"sum\" or \"mean\", got \"\(reductionName)\"")
        }
        let c = x.shape[1]
        if let weight {
            guard weight.dtype == x.dtype else {
                throw RuntimeError.dtype("\(op): weight must have the scores' element type \(x.dtype), got \(weight.dtype)")
            }
            guard weight.shape == [c] else {
                throw RuntimeError.invalid("\(op): weight must have shape [\(c)] (one per class), got \(weight.shape)")
            }
            weights = weight.doubles
        } else {
            weights = [Double](repeating: 1, count: c)
        }
        let ignore = ctx.node.int("ignore_index")
        var t = target.ints
        for i in t.indices {
            if t[i] == ignore { t[i] = -1; continue }
            guard t[i] >= 0 && t[i] < c else {
                throw RuntimeError.invalid("\(op): target value \(t[i]) at flat index \(i) is outside the class range [0, \(c - 1)]\(ignore.map { " and is not ignore_index \($0)" } ?? "")")
            }
        }
        batch = x.shape[0]
        classes = c
        inner = x.shape[2...].reduce(1, *)
        targets = t
        targetShape = target.shape
        reduction = red
    }
}

/// loss[n, d] = −w[t]·s[n, t, d] with t = target[n, d] (0 where t is ignored), s the scores or,
/// for SoftmaxCrossEntropyLoss, their log-softmax over C (also returned as the second
/// output). "mean" divides the sum by the total weight of the targets that are not ignored.
private func classLoss(_ inputs: [Tensor?], _ ctx: KernelContext, softmax: Bool) throws -> [Tensor] {
    let x = try inputs.required(0), target = try inputs.required(1, "target")
    let plan = try ClassLossPlan(x, target, inputs.optional(2), ctx)
    switch x.dtype {
    case .float32: return classLoss(Float.self, x, plan, softmax: softmax, ctx)
    case .float64: return classLoss(Double.self, x, plan, softmax: softmax, ctx)
    case .float16, .bfloat16:
        return classLoss(Float.self, x.converted(to: .float32), plan, softmax: softmax, ctx).map { $0.converted(to: x.dtype) }
    default:
        throw RuntimeError.dtype("\(ctx.node.opType) needs floating-point scores (float16/float32/float64/bfloat16), got \(x.dtype)")
    }
}

private func classLoss<T: FloatMath>(_: T.Type, _ x: Tensor, _ plan: ClassLossPlan, softmax: Bool,
                                     _ ctx: KernelContext) -> [Tensor] {
    var logProb: Tensor? = nil
    if softmax {
        var lp = ctx.allocate(x.shape, x.dtype, zeroed: false)
        x.withElements(T.self) { px in
            lp.withMutableElements(T.self) { py in
                softmaxBlocks(.logSoftmax, px, py, outer: plan.batch, n: plan.classes, inner: plan.inner)
            }
        }
        logProb = lp
    }
    let scores = logProb ?? x
    let (c, d) = (plan.classes, plan.inner)
    let outShape = plan.reduction == .none ? plan.targetShape : []
    var loss = ctx.allocate(outShape, x.dtype, zeroed: false)
    let w = plan.weights.map { T($0) }
    scores.withElements(T.self) { ps in
        loss.withMutableElements(T.self) { pl in
            plan.targets.withUnsafeBufferPointer { tb in
                if plan.reduction == .none {
                    for n in 0..<plan.batch {
                        for i in 0..<d {
                            let t = tb[n * d + i]
                            pl[n * d + i] = t < 0 ? 0 : -w[t] * ps[(n * c + t) * d + i]
                        }
                    }
                    return
                }
                // Sums in Double: long reductions would otherwise drift in float32.
                var sum = 0.0, weightSum = 0.0
                for n in 0..<plan.batch {
                    for i in 0..<d {
                        let t = tb[n * d + i]
                        if t < 0 { continue }
                        sum -= plan.weights[t] * Double(ps[(n * c + t) * d + i])
                        weightSum += plan.weights[t]
                    }
                }
                pl[0] = T(plan.reduction == .sum ? sum : sum / weightSum)
            }
        }
    }
    return logProb.map { [loss, $0] } ?? [loss]
}

// MARK: gradients

/// The scores' gradient: −w[t]·g at each target (g divided by the total target weight for
/// "mean"), zero at ignored positions; SoftmaxCrossEntropyLoss adds the log_prob output's
/// gradient and takes both back through the log-softmax. Targets and weights get none.
private func classLossGradient(_ c: VJPContext, softmax: Bool) throws -> Tensor? {
    guard c.needs(0), let x = c.inputs[0], x.dtype.isFloatingPoint else { return nil }
    let plan = try ClassLossPlan(x, try c.inputs.required(1, "target"), c.inputs.optional(2), c.kernelContext)
    var ts = [x, try c.outputGrad(0)]
    if softmax, c.outputGrads.count > 1, let g1 = c.outputGrads[1] { ts.append(g1) }
    return try ClassLossGradient(plan: plan, softmax: softmax).run(ts, as: x.dtype)
}

/// ts = [scores, loss gradient] plus, optionally, the log_prob gradient.
private struct ClassLossGradient: FloatComputation {
    let plan: ClassLossPlan, softmax: Bool

    func compute<T: FloatMath>(_ ts: [Tensor], _: T.Type) throws -> Tensor {
        let x = ts[0], g = ts[1]
        let (c, d) = (plan.classes, plan.inner)
        var scale = 1.0
        if plan.reduction == .mean {
            scale = 1 / plan.targets.reduce(0.0) { $1 < 0 ? $0 : $0 + plan.weights[$1] }
        }
        var ds = ts.count > 2 ? ts[2].plain() : Tensor(zeros: x.shape, dtype: T.dtype)
        ds.withUnsafeMutableBufferPointer(as: T.self) { po in
            g.withElements(T.self) { pg in
                for n in 0..<plan.batch {
                    for i in 0..<d {
                        let t = plan.targets[n * d + i]
                        if t < 0 { continue }
                        let gi = plan.reduction == .none ? pg[n * d + i] : pg[0]
                        po[(n * c + t) * d + i] -= T(plan.weights[t] * scale) * gi
                    }
                }
            }
        }
        guard softmax else { return ds }
        // Through the log-softmax over C: dx = ds − softmax(x)·Σ_c ds.
        var logProb = Tensor(zeros: x.shape, dtype: T.dtype)
        x.withElements(T.self) { px in
            logProb.withMutableElements(T.self) { pl in softmaxBlocks(.logSoftmax, px, pl, outer: plan.batch, n: c, inner: d) }
        }
        logProb.withElements(T.self) { pl in
            ds.withUnsafeMutableBufferPointer(as: T.self) { po in
                for n in 0..<plan.batch {
                    for i in 0..<d {
                        var sum: T = 0
                        for k in 0..<c { sum += po[(n * c + k) * d + i] }
                        for k in 0..<c {
                            let at = (n * c + k) * d + i
                            po[at] -= T.exponential(pl[at]) * sum
                        }
                    }
                }
            }
        }
        return ds
    }
}
