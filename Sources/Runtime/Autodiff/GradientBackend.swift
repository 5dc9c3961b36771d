/// A backend with faster reverse-mode rules of its own for some nodes (e.g. oneDNN backward
/// primitives for float32). The engine asks it first; its rules fall back on `reference`,
/// the registry's rule for the node, for what they do not cover.
public protocol GradientBackend: Backend {
    /// A rule for `node`, or nil to use `reference`.
    func vjp(for node: Node, opset: Int, reference: VJPRule?) -> VJPRule?
}
