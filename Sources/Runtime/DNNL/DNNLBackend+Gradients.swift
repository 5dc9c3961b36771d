/// The oneDNN backend differentiates float32 convolutions (fused ones included), pooling,
/// batch normalization and activations with oneDNN's backward primitives (`DNNLBackward`).
extension DNNLBackend: GradientBackend {
    public func vjp(for node: Node, opset: Int, reference: VJPRule?) -> VJPRule? {
        context?.backward.rule(for: node, opset: opset, reference: reference)
    }
}
