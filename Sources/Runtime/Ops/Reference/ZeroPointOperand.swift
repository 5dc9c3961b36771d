/// An 8-bit integer operand of ConvInteger/MatMulInteger with its zero point subtracted,
/// as float64: exact for every product sum these ops can form (|value| ≤ 255, so sums stay
/// far below 2⁵³), which lets them reuse the float64 BLAS kernels.
func zeroPointCentered(_ t: Tensor, _ zeroPoint: Tensor?, axis: Int, _ name: String) throws -> Tensor {
    guard t.dtype == .uint8 || t.dtype == .int8 else {
        throw RuntimeError.dtype("\(name) must be uint8 or int8, got \(t.dtype)")
    }
    var values = t.doubles
    guard let zeroPoint else { return Tensor(shape: t.shape, dtype: .float64, doubles: values) }
    guard zeroPoint.dtype == t.dtype else {
        throw RuntimeError.dtype("\(name) zero point must be \(t.dtype) like \(name), got \(zeroPoint.dtype)")
    }
    let zp = zeroPoint.doubles
    if zp.count == 1 {
        for i in values.indices { values[i] -= zp[0] }
    } else {
        guard axis >= 0, axis < t.rank, zeroPoint.rank == 1, zp.count == t.shape[axis] else {
            throw RuntimeError.invalid("\(name) zero point must be a scalar or hold one value per index of axis \(axis) of \(t.shape), got shape \(zeroPoint.shape)")
        }
        let inner = t.shape[(axis + 1)...].reduce(1, *), extent = t.shape[axis]
        for i in values.indices { values[i] -= zp[(i / inner) % extent] }
    }
    return Tensor(shape: t.shape, dtype: .float64, doubles: values)
}
