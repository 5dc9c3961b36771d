/// MaxUnpool (opset 9+): the partial inverse of MaxPool. Every input value is written at its
/// index (MaxPool's flat index into the whole [N, C, spatial…] tensor) of a zero tensor of
/// the shape MaxPool's input had, (in − 1)·stride + kernel − pads per spatial axis. A larger
/// `output_shape` input places that tensor in its leading corner, as the ONNX reference does.
/// Values move byte-wise, so every dtype works. The gradient gathers the output gradient back
/// at the indices (an input overwritten by a later one at the same index gets none).
func registerUnpoolOps(into r: OpRegistry) {
    r.register("MaxUnpool", since: 9) { inputs, ctx in [try maxUnpool(inputs, ctx)] }
    r.registerVJP("MaxUnpool") { c in
        guard c.needs(0), let x = c.inputs[0], x.dtype.isFloatingPoint else { return [nil, nil, nil] }
        return [try maxUnpoolGradient(c), nil, nil]
    }
}

/// The shape MaxUnpool scatters into (`inferred`) and the output's (`output`, at least as large).
private struct UnpoolShapes {
    let inferred: [Int]
    let output: [Int]

    init(_ inputs: [Tensor?], _ node: Node) throws {
        let x = try inputs.required(0), indices = try inputs.required(1, "indices")
        guard x.rank >= 3 else { throw RuntimeError.invalid("MaxUnpool input must have shape [N, C, spatial…], got \(x.shape)") }
        guard indices.shape == x.shape, indices.dtype == .int64 else {
            throw RuntimeError.invalid("MaxUnpool indices must be int64 with the input's shape \(x.shape), got \(indices.dtype)\(indices.shape)")
        }
        let rank = x.rank - 2
        guard let kernel = node.ints("kernel_shape") else { throw RuntimeError.invalid("MaxUnpool needs the 'kernel_shape' attribute") }
        guard kernel.count == rank, kernel.allSatisfy({ $0 >= 1 }) else {
            throw RuntimeError.invalid("MaxUnpool kernel_shape must have \(rank) positive values, got \(kernel)")
        }
        let strides = try spatialAttribute(node, "strides", rank: rank, default: 1, minimum: 1)
        let (padsBegin, padsEnd) = try explicitPads(node, rank: rank)
        var inferred = Array(x.shape[..<2])
        for i in 0..<rank {
            inferred.append((x.shape[2 + i] - 1) * strides[i] + kernel[i] - padsBegin[i] - padsEnd[i])
        }
        try DataMovement.checkShape(inferred, "MaxUnpool inferred output shape")
        var outShape = inferred
        if let requested = inputs.optional(2) {
            outShape = requested.ints
            guard outShape.count == x.rank, outShape[..<2] == inferred[..<2], zip(outShape, inferred).allSatisfy({ $0 >= $1 }) else {
                throw RuntimeError.invalid("MaxUnpool output_shape \(outShape) must be [N, C, spatial…] with each spatial size at least the inferred \(inferred)")
            }
            try DataMovement.checkShape(outShape, "MaxUnpool output_shape")
        }
        self.inferred = inferred
        self.output = outShape
    }
}

private func maxUnpool(_ inputs: [Tensor?], _ ctx: KernelContext) throws -> Tensor {
    let x = try inputs.required(0), indices = try inputs.required(1, "indices")
    let shapes = try UnpoolShapes(inputs, ctx.node)
    let inferred = shapes.inferred, outShape = shapes.output
    let es = try DataMovement.elementSize(x)
    let total = inferred.reduce(1, *)
    // Scatter into the inferred shape, then (when larger) place it in the output's corner.
    var dense = ctx.allocate(inferred, x.dtype, zeroed: true)
    try x.withUnsafeBytes { src in
        try indices.withElements(Int64.self) { idx in
            try dense.withUnsafeMutableBytes { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                for i in 0..<x.count {
                    let j = Int(idx[i])
                    guard j >= 0 && j < total else {
                        throw RuntimeError.invalid("MaxUnpool index \(j) at flat position \(i) is outside the \(total) elements of the inferred output \(inferred)")
                    }
                    (d + j * es).copyMemory(from: s + i * es, byteCount: es)
                }
            }
        }
    }
    if outShape == inferred { return dense }
    var y = ctx.allocate(outShape, x.dtype, zeroed: true)
    y.makeUnique()
    DataMovement.stridedCopy(shape: inferred, src: dense.storage.data, srcOffset: 0, srcStrides: Tensor.strides(of: inferred),
                             dst: y.storage.data, dstOffset: 0, dstStrides: Tensor.strides(of: outShape), elementSize: es)
    return y
}

/// dx[i] = dy[index i, placed in the output], byte-wise; zero where a later input wrote the same index.
private func maxUnpoolGradient(_ c: VJPContext) throws -> Tensor {
    let x = try c.inputs.required(0), indices = try c.inputs.required(1, "indices")
    let shapes = try UnpoolShapes(c.inputs, c.node)
    let dy = try c.outputGrad(0).plain()
    guard dy.shape == shapes.output, dy.dtype == x.dtype else {
        throw RuntimeError.invalid("output gradient is \(dy.dtype)\(dy.shape), expected \(x.dtype)\(shapes.output)")
    }
    let es = try DataMovement.elementSize(x)
    let inferred = shapes.inferred, total = inferred.reduce(1, *)
    let corner = shapes.output != inferred
    let inStrides = Tensor.strides(of: inferred), outStrides = Tensor.strides(of: shapes.output)
    var taken = [Bool](repeating: false, count: total)
    var dx = c.kernelContext.allocate(x.shape, x.dtype, zeroed: true)
    try dy.withUnsafeBytes { src in
        try indices.withElements(Int64.self) { idx in
            try dx.withUnsafeMutableBytes { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                // Last writer wins in the forward: walk backwards and keep the first claim.
                for i in stride(from: x.count - 1, through: 0, by: -1) {
                    let j = Int(idx[i])
                    guard j >= 0 && j < total else {
                        throw RuntimeError.invalid("MaxUnpool index \(j) at flat position \(i) is outside the \(total) elements of the inferred output \(inferred)")
                    }
                    if taken[j] { continue }
                    taken[j] = true
                    var o = j
                    if corner {
                        // Coordinates in the inferred shape, offset in the larger output.
                        o = 0
                        var rest = j
                        for a in 0..<inferred.count {
                            o += rest / inStrides[a] * outStrides[a]
                            rest %= inStrides[a]
                        }
                    }
                    (d + i * es).copyMemory(from: s + o * es, byteCount: es)
                }
            }
        }
    }
    return dx
}
