/// Runs `body` with the base address of `t`'s elements, or nil when there is no tensor.
func withOptionalPointer<T: TensorElement, R>(_: T.Type, _ t: inout Tensor?,
                                              _ body: (UnsafeMutablePointer<T>?) throws -> R) rethrows -> R {
    guard var v = t else { return try body(nil) }
    t = nil  // keeps v's storage uniquely referenced: no copy on mutable access
    defer { t = v }
    return try v.withUnsafeMutableBufferPointer(as: T.self) { try body($0.baseAddress) }
}
