/// Reverse mode of Einsum. Operand i's gradient is itself an einsum, of the output gradient
/// with the other operands, onto i's distinct labels that occur elsewhere; it is then written
/// onto i's diagonal (labels repeated in i; zeros off it) and broadcast along the labels the
/// forward summed out of i alone or broadcast from size 1 in i (both are summed in that
/// einsum by leaving them out of its output). Integer operands get no gradient.
enum EinsumGradients {
    static func rule(_ c: VJPContext) throws -> [Tensor?] {
        guard let text = c.node.string("equation") else { throw RuntimeError.invalid("Einsum needs the 'equation' attribute") }
        let operands = try c.inputs.indices.map { try c.inputs.required($0, "operand") }
        guard let first = operands.first, first.dtype.isFloatingPoint else { return operands.map { _ in nil } }
        let eq = try EinsumEquation(text, ranks: operands.map(\.rank))
        let dy = try c.outputGrad(0).plain()
        let k = c.kernelContext
        return try operands.indices.map { i in
            guard c.needs(i) else { return nil }
            switch first.dtype {
            case .float32: return try gradient(Float.self, of: i, operands, dy, eq, k)
            case .float64: return try gradient(Double.self, of: i, operands, dy, eq, k)
            case .float16, .bfloat16:
                return try gradient(Float.self, of: i, operands.map { $0.converted(to: .float32) }, dy.converted(to: .float32), eq, k)
                    .converted(to: first.dtype)
            default: throw RuntimeError.dtype("Einsum gradients need a floating-point type, got \(first.dtype)")
            }
        }
    }

    private static func gradient<T: EinsumElement>(_: T.Type, of i: Int, _ operands: [Tensor], _ dy: Tensor, _ eq: EinsumEquation,
                                                   _ ctx: KernelContext) throws -> Tensor {
        let x = operands[i], labels = eq.inputs[i]
        let others = operands.indices.filter { $0 != i }
        let elsewhere = Set(eq.output).union(others.flatMap { eq.inputs[$0] })
        // x's diagonal view over its distinct labels: a repeated label's stride is the sum of its axes'.
        let xStrides = Tensor.strides(of: x.shape)
        var distinct: [Int] = [], sizes: [Int] = [], viewStrides: [Int] = []
        for (axis, l) in labels.enumerated() {
            if let d = distinct.firstIndex(of: l) {
                viewStrides[d] += xStrides[axis]
            } else {
                distinct.append(l)
                sizes.append(x.shape[axis])
                viewStrides.append(xStrides[axis])
            }
        }
        let kept = distinct.indices.filter { elsewhere.contains(distinct[$0]) && sizes[$0] != 1 }.map { distinct[$0] }
        let g = try einsum(T.self, [dy] + others.map { operands[$0] },
                           EinsumEquation(inputs: [eq.output] + others.map { eq.inputs[$0] }, output: kept), ctx)
        // g read along the view (stride 0: broadcast).
        let gStrides = Tensor.strides(of: g.shape)
        var gView = [Int](repeating: 0, count: distinct.count)
        for (d, l) in distinct.enumerated() {
            if let p = kept.firstIndex(of: l), g.shape[p] == sizes[d] { gView[d] = gStrides[p] }
        }
        var out = ctx.allocate(x.shape, x.dtype, zeroed: distinct.count != labels.count)
        out.makeUnique()
        DataMovement.stridedCopy(shape: sizes, src: g.storage.data, srcOffset: 0, srcStrides: gView,
                                 dst: out.storage.data, dstOffset: 0, dstStrides: viewStrides, elementSize: x.dtype.byteSize)
        return out
    }
}
