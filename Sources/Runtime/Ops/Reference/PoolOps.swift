import Foundation

/// MaxPool, AveragePool, LpPool and their global forms. Windows come from `PoolGeometry`
/// (shared with the oneDNN backend) through `PoolWindows`. Averages and Lp norms of
/// float16/bfloat16 are computed in float32.
func registerPoolOps(into r: OpRegistry) {
    r.register("MaxPool") { inputs, ctx in
        let x = try inputs.required(0)
        let geo = try PoolGeometry(node: ctx.node, input: x.shape)
        let windows = try PoolWindows(geo)
        let storageOrder = ctx.node.int("storage_order", default: 0)
        guard storageOrder == 0 || storageOrder == 1 else {
            throw RuntimeError.invalid("storage_order must be 0 (row major) or 1 (column major), got \(storageOrder)")
        }
        let wantIndices = ctx.node.outputs.count > 1 && !ctx.node.outputs[1].isEmpty
        var y = ctx.allocate(geo.outputShape, x.dtype, zeroed: false)
        var indices = ctx.allocate(wantIndices ? geo.outputShape : [0], .int64, zeroed: false)
        let planes = geo.batch * geo.channels
        try indices.withUnsafeMutableBufferPointer(as: Int64.self) { ib in
            let ip = wantIndices ? ib.baseAddress : nil
            switch x.dtype {
            case .float32: pool(MaxReducer<Float>.self, x, &y, windows, planes, ip)
            case .float64: pool(MaxReducer<Double>.self, x, &y, windows, planes, ip)
            case .float16: pool(MaxReducer<Float16>.self, x, &y, windows, planes, ip)
            case .int8: pool(MaxReducer<Int8>.self, x, &y, windows, planes, ip)
            case .uint8: pool(MaxReducer<UInt8>.self, x, &y, windows, planes, ip)
            default: throw RuntimeError.dtype("MaxPool supports float16, float32, float64, int8 and uint8, got \(x.dtype)")
            }
            if let ip, storageOrder == 1 { toColumnMajor(ip, count: ib.count, windows) }
        }
        return wantIndices ? [y, indices] : [y]
    }

    r.register("AveragePool") { inputs, ctx in
        let x = try inputs.required(0)
        let geo = try PoolGeometry(node: ctx.node, input: x.shape)
        let windows = try PoolWindows(geo)
        let includePad = ctx.node.int("count_include_pad", default: 0) != 0
        return [try floatPool(x, geo, ctx, "AveragePool") { t, y in
            switch (t.dtype, includePad) {
            case (.float32, false): pool(AverageReducer<Float>.self, t, &y, windows, geo.batch * geo.channels)
            case (.float32, true): pool(PaddedAverageReducer<Float>.self, t, &y, windows, geo.batch * geo.channels)
            case (_, false): pool(AverageReducer<Double>.self, t, &y, windows, geo.batch * geo.channels)
            case (_, true): pool(PaddedAverageReducer<Double>.self, t, &y, windows, geo.batch * geo.channels)
            }
        }]
    }

    r.register("LpPool") { inputs, ctx in
        let x = try inputs.required(0)
        let geo = try PoolGeometry(node: ctx.node, input: x.shape)
        let windows = try PoolWindows(geo)
        let p = try lpExponent(ctx.node)
        return [try floatPool(x, geo, ctx, "LpPool") { t, y in
            let powered = lpPowered(t, p)
            if t.dtype == .float32 {
                pool(SumReducer<Float>.self, powered, &y, windows, geo.batch * geo.channels)
            } else {
                pool(SumReducer<Double>.self, powered, &y, windows, geo.batch * geo.channels)
            }
            lpRoot(&y, p)
        }]
    }

    r.register("GlobalMaxPool") { inputs, ctx in
        try globalPool(inputs, ctx, "GlobalMaxPool") { t, y, plane in
            if t.dtype == .float32 { globalReduce(MaxReducer<Float>.self, t, &y, plane) }
            else { globalReduce(MaxReducer<Double>.self, t, &y, plane) }
        }
    }
    r.register("GlobalAveragePool") { inputs, ctx in
        try globalPool(inputs, ctx, "GlobalAveragePool") { t, y, plane in
            if t.dtype == .float32 { globalReduce(AverageReducer<Float>.self, t, &y, plane) }
            else { globalReduce(AverageReducer<Double>.self, t, &y, plane) }
        }
    }
    r.register("GlobalLpPool") { inputs, ctx in
        let p = try lpExponent(ctx.node)
        return try globalPool(inputs, ctx, "GlobalLpPool") { t, y, plane in
            let powered = lpPowered(t, p)
            if t.dtype == .float32 { globalReduce(SumReducer<Float>.self, powered, &y, plane) }
            else { globalReduce(SumReducer<Double>.self, powered, &y, plane) }
            lpRoot(&y, p)
        }
    }

    r.registerVJP("MaxPool") { c in
        let x = try c.inputs.required(0)
        return [try PoolGradients.compute(.max(try PoolGeometry(node: c.node, input: x.shape)), x: x, dy: try c.outputGrad(0), c.kernelContext)]
    }
    r.registerVJP("AveragePool") { c in
        let x = try c.inputs.required(0)
        let kind = PoolGradients.Kind.average(try PoolGeometry(node: c.node, input: x.shape),
                                              includePad: c.node.int("count_include_pad", default: 0) != 0)
        return [try PoolGradients.compute(kind, x: x, dy: try c.outputGrad(0), c.kernelContext)]
    }
    r.registerVJP("LpPool") { c in
        let x = try c.inputs.required(0)
        let kind = PoolGradients.Kind.lp(try PoolGeometry(node: c.node, input: x.shape), p: try lpExponent(c.node), y: try c.forwardOutput(0))
        return [try PoolGradients.compute(kind, x: x, dy: try c.outputGrad(0), c.kernelContext)]
    }
    r.registerVJP("GlobalLpPool") { c in
        let kind = PoolGradients.Kind.globalLp(p: try lpExponent(c.node), y: try c.forwardOutput(0))
        return [try PoolGradients.compute(kind, x: try c.inputs.required(0), dy: try c.outputGrad(0), c.kernelContext)]
    }
    r.registerVJP("GlobalMaxPool") { c in
        [try PoolGradients.compute(.globalMax, x: try c.inputs.required(0), dy: try c.outputGrad(0), c.kernelContext)]
    }
    r.registerVJP("GlobalAveragePool") { c in
        [try PoolGradients.compute(.globalAverage, x: try c.inputs.required(0), dy: try c.outputGrad(0), c.kernelContext)]
    }
}

private func pool<R: WindowReducer>(_: R.Type, _ x: Tensor, _ y: inout Tensor, _ w: PoolWindows, _ planes: Int,
                                    _ indices: UnsafeMutablePointer<Int64>? = nil) where R.Element: TensorElement {
    x.withUnsafeBufferPointer(as: R.Element.self) { xb in
        y.withUnsafeMutableBufferPointer(as: R.Element.self) { yb in
            guard let xp = xb.baseAddress, let yp = yb.baseAddress else { return }
            w.reduce(R.self, xp, yp, planes: planes, argIndex: indices)
        }
    }
}

/// Rewrites row-major MaxPool indices as column-major ones (storage_order = 1): the spatial
/// offset becomes d + D·(h + H·w); the (n, c) plane offset is unchanged.
private func toColumnMajor(_ ip: UnsafeMutablePointer<Int64>, count: Int, _ w: PoolWindows) {
    let plane = w.inputPlane, dd = w.input[0], hh = w.input[1], ww = w.input[2]
    for i in 0..<count where ip[i] >= 0 {
        let v = Int(ip[i]), base = v - v % plane, off = v % plane
        let d = off / (hh * ww), h = (off / ww) % hh, x = off % ww
        ip[i] = Int64(base + d + dd * (h + hh * x))
    }
}

/// Runs `body` on a float32 or float64 tensor (float16/bfloat16 inputs are widened to float32
/// and the result narrowed back) with an output of the geometry's shape.
private func floatPool(_ x: Tensor, _ geo: PoolGeometry, _ ctx: KernelContext, _ op: String,
                       _ body: (Tensor, inout Tensor) -> Void) throws -> Tensor {
    switch x.dtype {
    case .float32, .float64:
        var y = ctx.allocate(geo.outputShape, x.dtype, zeroed: false)
        body(x, &y)
        return y
    case .float16, .bfloat16:
        var y = Tensor(zeros: geo.outputShape, dtype: .float32)
        body(x.converted(to: .float32), &y)
        return y.converted(to: x.dtype)
    default:
        throw RuntimeError.dtype("\(op) supports float16, bfloat16, float32 and float64, got \(x.dtype)")
    }
}

/// Global pools: [N, C, spatial…] → [N, C, 1…], through the same float dispatch as `floatPool`.
private func globalPool(_ inputs: [Tensor?], _ ctx: KernelContext, _ op: String,
                        _ body: (Tensor, inout Tensor, Int) -> Void) throws -> [Tensor] {
    let x = try inputs.required(0)
    guard x.rank >= 2 else { throw RuntimeError.invalid("\(op) input must have rank >= 2 ([N, C, …]), got shape \(x.shape)") }
    let outShape = Array(x.shape[0..<2]) + [Int](repeating: 1, count: x.rank - 2)
    let plane = x.shape[2...].reduce(1, *)
    let wide = x.dtype == .float16 || x.dtype == .bfloat16
    guard x.dtype == .float32 || x.dtype == .float64 || wide else {
        throw RuntimeError.dtype("\(op) supports float16, bfloat16, float32 and float64, got \(x.dtype)")
    }
    let t = wide ? x.converted(to: .float32) : x
    var y = wide ? Tensor(zeros: outShape, dtype: .float32) : ctx.allocate(outShape, x.dtype, zeroed: false)
    body(t, &y, plane)
    return [wide ? y.converted(to: x.dtype) : y]
}

private func globalReduce<R: WindowReducer>(_: R.Type, _ x: Tensor, _ y: inout Tensor, _ plane: Int) where R.Element: TensorElement {
    x.withUnsafeBufferPointer(as: R.Element.self) { xb in
        y.withUnsafeMutableBufferPointer(as: R.Element.self) { yb in
            for p in 0..<yb.count {
                var r = R()
                let base = p * plane
                for i in 0..<plane { r.add(xb[base + i], at: i) }
                yb[p] = r.finish(valid: plane, padded: plane)
            }
        }
    }
}

/// LpPool's p (an int since opset 2, a float in opset 1).
private func lpExponent(_ node: Node) throws -> Double {
    let p = Double(node.float("p", default: 2))
    guard p > 0 else { throw RuntimeError.invalid("p must be positive, got \(p)") }
    return p
}

/// |x|^p elementwise (float32 or float64).
private func lpPowered(_ x: Tensor, _ p: Double) -> Tensor {
    var t = x
    if x.dtype == .float32 {
        t.withUnsafeMutableBufferPointer(as: Float.self) { b in
            if p == 2 { for i in b.indices { b[i] *= b[i] } }
            else if p == 1 { for i in b.indices { b[i] = abs(b[i]) } }
            else { let fp = Float(p); for i in b.indices { b[i] = powf(abs(b[i]), fp) } }
        }
    } else {
        t.withUnsafeMutableBufferPointer(as: Double.self) { b in for i in b.indices { b[i] = pow(abs(b[i]), p) } }
    }
    return t
}

/// y^(1/p) elementwise, in place.
private func lpRoot(_ y: inout Tensor, _ p: Double) {
    if y.dtype == .float32 {
        y.withUnsafeMutableBufferPointer(as: Float.self) { b in
            if p == 2 { for i in b.indices { b[i] = b[i].squareRoot() } }
            else if p != 1 { let q = Float(1 / p); for i in b.indices { b[i] = powf(b[i], q) } }
        }
    } else {
        y.withUnsafeMutableBufferPointer(as: Double.self) { b in for i in b.indices { b[i] = pow(b[i], 1 / p) } }
    }
}
