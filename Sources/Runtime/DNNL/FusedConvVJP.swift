import Foundation

/// Reverse mode of FusedConv / FusedConvTranspose (see `FusedConv`): the post-ops backwards,
/// the sum post-op's gradient to input 3, then the convolution's own rule.
///
/// An activation's derivative comes from the fused output y when y determines it (Relu,
/// LeakyRelu and Elu with alpha >= 0, Tanh, Sigmoid, Clip) and at most one activation is in
/// the chain: a sum post-op after it is undone as y − Z. Otherwise (HardSwish, which needs
/// its input, negative alphas, or stacked activations) the convolution is recomputed and the
/// chain replayed to get every activation's input.
enum FusedConvVJP {
    /// dL/d(input) of activation `p` from dL/d(output) `g` and its output (`fromOutput`) or input.
    typealias ActivationGradient = (_ p: FusedConv.PostOp, _ g: Tensor, _ value: Tensor, _ fromOutput: Bool,
                                    _ ctx: KernelContext) throws -> Tensor
    /// The plain convolution's rule ([dX, dW, dB]).
    typealias ConvolutionGradient = (VJPContext) throws -> [Tensor?]

    static func register(into r: OpRegistry) {
        for op in [FusedConv.convOp, FusedConv.transposeOp] {
            r.registerVJP(op, domain: FusedConv.domain) { c in
                try vjp(c, activation: PostOpDerivative.reference) { try convolutionVJP($0, transposed: FusedConv.isTransposed(c.node)) }
            }
        }
    }

    static func vjp(_ c: VJPContext, activation: ActivationGradient, convolution: ConvolutionGradient) throws -> [Tensor?] {
        let ops = FusedConv.postOps(c.node)
        let z = ops.contains { $0.op == "Add" } ? try c.inputs.required(3, "sum operand") : nil
        let k = c.kernelContext
        let pool = c.pool
        var g = try c.outputGrad(0)
        var dz: Tensor? = nil
        if derivableFromOutput(ops) {
            guard var v = c.outputs.first ?? nil else { throw RuntimeError.invalid("FusedConv gradient needs the forward output") }
            for (i, p) in ops.enumerated().reversed() {
                if p.op == "Add" {
                    dz = g
                    // The value before the sum, when an activation before it needs it.
                    if let z, ops[..<i].contains(where: { $0.op != "Add" }) {
                        v = try runReference(Node(opType: "Sub", inputs: ["v", "z"], outputs: ["d"]), [v, z], pool: pool)
                    }
                } else {
                    g = try activation(p, g, v, true, k)
                }
            }
        } else {
            var v = try runReference(FusedConv.convolution(c.node), Array(c.inputs.prefix(3)), pool: pool)
            var stepInputs: [Tensor] = []
            for p in ops {
                stepInputs.append(v)
                v = try runReference(PostOpDerivative.forwardNode(p), p.op == "Add" ? [v, z] : [v],
                                     opset: p.op == "Clip" ? 10 : 17, pool: pool)
            }
            for (p, input) in zip(ops, stepInputs).reversed() {
                if p.op == "Add" { dz = g } else { g = try activation(p, g, input, false, k) }
            }
        }
        let plain = FusedConv.convolution(c.node)
        let inner = VJPContext(node: plain, opset: 17, inputs: Array(c.inputs.prefix(3)), outputs: [nil], outputGrads: [g],
                               needsGrad: (0..<3).map(c.needs), pool: c.pool)
        let grads = try convolution(inner)
        return Array((grads + [nil, nil, nil]).prefix(3)) + [c.needs(3) ? dz : nil]
    }

    /// True when the fused output alone determines every activation derivative.
    static func derivableFromOutput(_ ops: [FusedConv.PostOp]) -> Bool {
        let activations = ops.filter { $0.op != "Add" }
        if activations.count > 1 { return false }
        guard let p = activations.first else { return true }
        switch p.op {
        case "Relu", "Tanh", "Sigmoid", "Clip": return true
        case "LeakyRelu", "Elu": return p.alpha >= 0
        default: return false
        }
    }

    /// Runs `node`'s reference kernel (which reads its attributes from the context's node).
    static func runReference(_ node: Node, _ inputs: [Tensor?], opset: Int = 17, pool: BufferPool?) throws -> Tensor {
        guard let def = OpRegistry.standard.definition(domain: node.domain, type: node.opType) else {
            throw RuntimeError.unsupported("no reference kernel for \(node.opType)")
        }
        return try def.makeReference(node, opset).run(inputs, KernelContext(node: node, opset: opset, pool: pool))[0]
    }
}

/// Derivatives of the activations a FusedConv applies, in Swift (float32 and float64;
/// other types through float64).
enum PostOpDerivative {
    /// The ONNX node of post-op `p` (Clip in its attribute form, opset 10).
    static func forwardNode(_ p: FusedConv.PostOp) -> Node {
        var attrs: [String: Attribute] = [:]
        switch p.op {
        case "LeakyRelu", "Elu": attrs["alpha"] = .float(p.alpha)
        case "Clip": attrs = ["min": .float(p.alpha), "max": .float(p.beta)]
        default: break
        }
        return Node(opType: p.op, inputs: p.op == "Add" ? ["y", "z"] : ["y"], outputs: ["out"], attributes: attrs)
    }

    static func reference(_ p: FusedConv.PostOp, _ g: Tensor, _ value: Tensor, _ fromOutput: Bool,
                          _ ctx: KernelContext) throws -> Tensor {
        guard g.shape == value.shape, g.dtype == value.dtype else {
            throw RuntimeError.invalid("gradient \(g.dtype)\(g.shape) does not match the \(p.op) value \(value.dtype)\(value.shape)")
        }
        guard let f = Derivative(p, fromOutput: fromOutput) else {
            throw RuntimeError.unsupported("no derivative of post-op \(p.op) from its \(fromOutput ? "output" : "input")")
        }
        switch g.dtype {
        case .float32: return apply(Float.self, g.plain(), value.plain(), f, ctx)
        case .float64: return apply(Double.self, g.plain(), value.plain(), f, ctx)
        default:
            return apply(Double.self, g.converted(to: .float64), value.converted(to: .float64), f, ctx).converted(to: g.dtype)
        }
    }

    /// d output / d input as a function of the output (`fromOutput`) or the input.
    private struct Derivative {
        enum Form { case relu, leaky, tanhOut, tanhIn, sigmoidOut, sigmoidIn, eluOut, eluIn, clipOut, clipIn, hardSwishIn }
        let form: Form
        let a: Double
        let b: Double

        init?(_ p: FusedConv.PostOp, fromOutput: Bool) {
            a = Double(p.alpha)
            b = Double(p.beta)
            switch (p.op, fromOutput) {
            case ("Relu", _): form = .relu
            case ("LeakyRelu", _): form = .leaky
            case ("Tanh", _): form = fromOutput ? .tanhOut : .tanhIn
            case ("Sigmoid", _): form = fromOutput ? .sigmoidOut : .sigmoidIn
            case ("Elu", _): form = fromOutput ? .eluOut : .eluIn
            case ("Clip", _): form = fromOutput ? .clipOut : .clipIn
            case ("HardSwish", false): form = .hardSwishIn
            default: return nil
            }
        }

        @inline(__always) func callAsFunction(_ v: Double) -> Double {
            switch form {
            case .relu: return v > 0 ? 1 : 0
            case .leaky: return v > 0 ? 1 : a
            case .tanhOut: return 1 - v * v
            case .tanhIn: let t = tanh(v); return 1 - t * t
            case .sigmoidOut: return v * (1 - v)
            case .sigmoidIn: let s = 1 / (1 + exp(-v)); return s * (1 - s)
            case .eluOut: return v > 0 ? 1 : v + a
            case .eluIn: return v > 0 ? 1 : a * exp(v)
            case .clipOut: return v > a && v < b ? 1 : 0
            case .clipIn: return v >= a && v <= b ? 1 : 0
            // x · relu6(x + 3) / 6
            case .hardSwishIn: return v < -3 ? 0 : v > 3 ? 1 : (2 * v + 3) / 6
            }
        }
    }

    private static func apply<T: BinaryFloatingPoint & TensorElement>(_: T.Type, _ g: Tensor, _ v: Tensor, _ f: Derivative,
                                                                      _ ctx: KernelContext) -> Tensor {
        var out = ctx.allocate(g.shape, g.dtype, zeroed: false)
        g.withUnsafeBufferPointer(as: T.self) { gb in
            v.withUnsafeBufferPointer(as: T.self) { vb in
                out.withUnsafeMutableBufferPointer(as: T.self) { ob in
                    for i in ob.indices { ob[i] = gb[i] * T(f(Double(vb[i]))) }
                }
            }
        }
        return out
    }
}
