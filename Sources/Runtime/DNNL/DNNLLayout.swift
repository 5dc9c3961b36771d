import CDNNL

/// A tensor held in a oneDNN-chosen (usually blocked, e.g. nChw16c) layout between
/// consecutive oneDNN kernels. The executor calls `plain()` before any other consumer reads it.
final class DNNLLayout: OpaqueLayout {
    let desc: DNNLMemoryDesc
    /// Unowned would be enough in a session, but tensors may outlive it.
    let context: DNNLContext

    init(_ desc: DNNLMemoryDesc, context: DNNLContext) {
        self.desc = desc
        self.context = context
    }

    var layoutName: String { "dnnl:\(desc.formatName)" }

    func toPlain(_ tensor: Tensor) -> Tensor {
        let out = Tensor(shape: tensor.shape, dtype: tensor.dtype,
                         storage: TensorStorage(byteCount: tensor.count * tensor.dtype.byteSize, zeroed: false))
        do {
            let plain = try DNNLMemoryDesc.plain(tensor.shape)
            try context.reorder(tensor, from: desc, to: plain, into: out.storage.data)
        } catch {
            // A reorder to plain exists for every layout oneDNN produces; failing here means
            // the library itself is broken, and this protocol method cannot report it.
            preconditionFailure("oneDNN reorder \(layoutName) → plain for \(tensor.shape) failed: \(error)")
        }
        return out
    }
}
