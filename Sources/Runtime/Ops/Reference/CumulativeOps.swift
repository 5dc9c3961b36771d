/// CumSum (opset 11+): running sums along the axis given by the second input, optionally
/// exclusive (each sum leaves its own element out) and/or reversed (summing from the end).
/// Sums accumulate in the element type, like onnxruntime; integer sums wrap.
func registerCumulativeOps(into r: OpRegistry) {
    r.register("CumSum", since: 11) { inputs, ctx in
        [try cumulativeSum(inputs.required(0), inputs.required(1, "axis input"), reverse: ctx.node.int("reverse", default: 0) != 0, ctx)]
    }
    // The adjoint of a running sum is the running sum the other way (same exclusivity).
    r.registerVJP("CumSum") { c in
        guard c.needs(0), let x = c.inputs[0], x.dtype.isFloatingPoint else { return [nil, nil] }
        let reverse = c.node.int("reverse", default: 0) != 0
        return [try cumulativeSum(try c.outputGrad(0), try c.inputs.required(1, "axis input"), reverse: !reverse, c.kernelContext), nil]
    }
}

private func cumulativeSum(_ x: Tensor, _ axisInput: Tensor, reverse: Bool, _ ctx: KernelContext) throws -> Tensor {
    guard axisInput.dtype == .int32 || axisInput.dtype == .int64 else {
        throw RuntimeError.dtype("CumSum: axis must be int32 or int64, got \(axisInput.dtype)")
    }
    let axis = try DataMovement.axis(DataMovement.scalarInt(axisInput, "CumSum axis"), rank: x.rank)
    let sum = CumulativeSum(x: x, outer: x.shape[..<axis].reduce(1, *), n: x.shape[axis],
                            inner: x.shape[(axis + 1)...].reduce(1, *),
                            exclusive: ctx.node.int("exclusive", default: 0) != 0, reverse: reverse, ctx: ctx)
    return try viaFloat32([x]) { try $0[0].dtype.visit(sum.on($0[0]), op: "CumSum") }
}

/// Works on the input viewed as [outer, n, inner], a row of `inner` elements at a time so
/// that memory is walked contiguously whatever the axis.
private struct CumulativeSum: NumericVisitor {
    let x: Tensor, outer: Int, n: Int, inner: Int, exclusive: Bool, reverse: Bool, ctx: KernelContext

    func on(_ t: Tensor) -> CumulativeSum {
        CumulativeSum(x: t, outer: outer, n: n, inner: inner, exclusive: exclusive, reverse: reverse, ctx: ctx)
    }

    func floating<T: BinaryFloatingPoint & TensorElement>(_: T.Type) throws -> Tensor { run(T.self, +) }
    func integer<T: FixedWidthInteger & TensorElement>(_: T.Type) throws -> Tensor { run(T.self, &+) }

    @inline(__always)
    private func run<T: TensorElement & Numeric>(_: T.Type, _ add: (T, T) -> T) -> Tensor {
        var y = ctx.allocate(x.shape, x.dtype, zeroed: false)
        let row = inner
        x.withElements(T.self) { px in
            y.withMutableElements(T.self) { py in
                for o in 0..<outer {
                    let xb = px + o * n * row, yb = py + o * n * row
                    // Visit the axis forwards or backwards; `prev` is the row visited before.
                    for step in 0..<n {
                        let k = reverse ? n - 1 - step : step
                        let yk = yb + k * row
                        if step == 0 {
                            if exclusive { yk.update(repeating: 0, count: row) } else { yk.update(from: xb + k * row, count: row) }
                            continue
                        }
                        let prev = reverse ? k + 1 : k - 1
                        let yp = yb + prev * row
                        // Inclusive: y[k] = y[prev] + x[k]. Exclusive: y[k] = y[prev] + x[prev].
                        let xs = xb + (exclusive ? prev : k) * row
                        for i in 0..<row { yk[i] = add(yp[i], xs[i]) }
                    }
                }
            }
        }
        return y
    }
}
