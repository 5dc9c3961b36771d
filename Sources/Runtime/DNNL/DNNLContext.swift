import CDNNL

/// What the oneDNN kernels of one session share: the engine, a stream (streams are not
/// thread-safe, sessions are independent), cached reorders and counters for tests.
final class DNNLContext {
    let engine: DNNLEngine
    let stream: DNNLStream

    /// Activation reorders executed so far (into a kernel's preferred layout or back to
    /// plain); weight reorders are not counted.
    private(set) var activationReorders = 0
    /// Kernel runs handed to the reference kernels (inputs or configurations oneDNN does not
    /// take), so tests can tell that oneDNN really ran.
    private(set) var referenceFallbacks = 0

    func noteReferenceFallback() { referenceFallbacks += 1 }

    /// Backward primitives for the autodiff engine, created on first use.
    private(set) lazy var backward = DNNLBackward(context: self)

    private struct CachedReorder {
        let src: DNNLMemoryDesc
        let dst: DNNLMemoryDesc
        let primitive: DNNLPrimitive
        let srcMemory: DNNLMemory
        let dstMemory: DNNLMemory
    }
    private var reorders: [CachedReorder] = []
    private static let reorderCacheLimit = 256

    init() throws {
        engine = try DNNLEngine.shared()
        stream = try DNNLStream(engine: engine)
    }

    /// The layout `t`'s bytes are in: its dnnl layout, or row-major.
    func desc(of t: Tensor) throws -> DNNLMemoryDesc {
        if let l = t.layout as? DNNLLayout { return l.desc }
        return try DNNLMemoryDesc.plain(t.shape)
    }

    /// `t` with any foreign opaque layout converted to plain (dnnl layouts are kept).
    func native(_ t: Tensor) -> Tensor {
        t.layout == nil || t.layout is DNNLLayout ? t : t.plain()
    }

    /// An uninitialised float32 tensor of `shape` whose bytes are in `desc`; `layout` is the
    /// object describing `desc` (nil when plain). Kernels create the layout once per plan.
    func allocate(_ shape: [Int], _ desc: DNNLMemoryDesc, layout: DNNLLayout?, pool: BufferPool?) -> Tensor {
        let bytes = desc.byteSize
        let storage = pool?.take(byteCount: bytes, zeroed: false) ?? TensorStorage(byteCount: bytes, zeroed: false)
        return Tensor(shape: shape, dtype: .float32, storage: storage, layout: layout)
    }

    /// The layout object for an output in `desc` (nil when `desc` is row-major).
    func layout(for desc: DNNLMemoryDesc) -> DNNLLayout? {
        desc.isPlain ? nil : DNNLLayout(desc, context: self)
    }

    /// Copies `t` (whose bytes are in `from`) into `dst` laid out as `to`.
    func reorder(_ t: Tensor, from: DNNLMemoryDesc, to: DNNLMemoryDesc, into dst: UnsafeMutableRawPointer,
                 countsAsActivation: Bool = true) throws {
        let r = try cachedReorder(from, to)
        try r.primitive.execute(stream, [
            r.srcMemory.arg(DNNL_ARG_FROM, t.storage.data),
            r.dstMemory.arg(DNNL_ARG_TO, dst),
        ])
        if countsAsActivation { activationReorders += 1 }
    }

    /// `t` converted to `desc` when it is not already in it (a new tensor from `pool`).
    func converted(_ t: Tensor, to desc: DNNLMemoryDesc, pool: BufferPool?) throws -> Tensor {
        let from = try self.desc(of: t)
        if from == desc { return t }
        let out = allocate(t.shape, desc, layout: layout(for: desc), pool: pool)
        try reorder(t, from: from, to: desc, into: out.storage.data)
        return out
    }

    private func cachedReorder(_ src: DNNLMemoryDesc, _ dst: DNNLMemoryDesc) throws -> CachedReorder {
        if let r = reorders.first(where: { $0.src == src && $0.dst == dst }) { return r }
        if reorders.count >= DNNLContext.reorderCacheLimit { reorders.removeAll() }
        let r = CachedReorder(src: src, dst: dst, primitive: try DNNLPrimitive(reorderFrom: src, to: dst, engine: engine),
                              srcMemory: try DNNLMemory(src, engine: engine), dstMemory: try DNNLMemory(dst, engine: engine))
        reorders.append(r)
        return r
    }
}
