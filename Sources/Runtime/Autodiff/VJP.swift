/// What a vector–Jacobian product rule sees: the forward node, its (plain) inputs and
/// outputs, and the gradients flowing into its outputs.
public struct VJPContext {
    public let node: Node
    public let opset: Int
    /// Forward inputs (nil for omitted optional inputs).
    public let inputs: [Tensor?]
    /// Forward outputs.
    public let outputs: [Tensor?]
    /// dL/d(output i); nil when no gradient reaches that output (treat as zero).
    public let outputGrads: [Tensor?]
    /// Whether input i needs a gradient: rules may skip work for the others.
    public let needsGrad: [Bool]
    let pool: BufferPool?

    public init(node: Node, opset: Int, inputs: [Tensor?], outputs: [Tensor?], outputGrads: [Tensor?],
                needsGrad: [Bool], pool: BufferPool? = nil) {
        self.node = node
        self.opset = opset
        self.inputs = inputs
        self.outputs = outputs
        self.outputGrads = outputGrads
        self.needsGrad = needsGrad
        self.pool = pool
    }

    /// A kernel context for running forward kernels inside a rule.
    public var kernelContext: KernelContext { KernelContext(node: node, opset: opset, pool: pool) }

    /// The gradient of output `i`, or zeros shaped like that output.
    public func outputGrad(_ i: Int) throws -> Tensor {
        if i < outputGrads.count, let g = outputGrads[i] { return g }
        guard i < outputs.count, let y = outputs[i] else { throw RuntimeError.invalid("no output #\(i) for its gradient") }
        return Tensor(zeros: y.shape, dtype: y.dtype)
    }

    /// Forward output `i`, for rules that read it.
    public func forwardOutput(_ i: Int) throws -> Tensor {
        guard i < outputs.count, let y = outputs[i] else { throw RuntimeError.invalid("\(node.opType) has no forward output #\(i)") }
        return y
    }

    public func needs(_ i: Int) -> Bool { i < needsGrad.count && needsGrad[i] }
}

/// A reverse-mode rule: one gradient per forward input (nil = none / not needed). A gradient
/// may have the shape the input was broadcast to; the engine sums it back to the input's shape.
public typealias VJPRule = (VJPContext) throws -> [Tensor?]
