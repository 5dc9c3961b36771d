import CDNNL

/// Throws `RuntimeError(.backendFailure, "<what> failed: <status>")` unless `status` is success.
@inline(__always)
func dnnlCheck(_ status: dnnl_status_t, _ what: @autoclosure () -> String) throws {
    if status != dnnl_success {
        throw RuntimeError(.backendFailure, "\(what()) failed: \(dnnlStatusName(status))")
    }
}

/// dnnl_debug.h (dnnl_status2str) is not part of the imported header, hence this table.
func dnnlStatusName(_ s: dnnl_status_t) -> String {
    switch s {
    case dnnl_success: return "dnnl_success"
    case dnnl_out_of_memory: return "dnnl_out_of_memory"
    case dnnl_invalid_arguments: return "dnnl_invalid_arguments"
    case dnnl_unimplemented: return "dnnl_unimplemented"
    case dnnl_iterator_ends: return "dnnl_iterator_ends"
    case dnnl_runtime_error: return "dnnl_runtime_error"
    case dnnl_not_required: return "dnnl_not_required"
    default: return "dnnl status \(s.rawValue)"
    }
}

/// The process-wide CPU engine. oneDNN engines are thread-safe; streams are not, so each
/// `DNNLContext` owns its own stream.
final class DNNLEngine {
    let handle: dnnl_engine_t

    private init() throws {
        var e: dnnl_engine_t?
        try dnnlCheck(dnnl_engine_create(&e, dnnl_cpu, 0), "dnnl_engine_create(cpu, 0)")
        guard let e else { throw RuntimeError(.backendFailure, "dnnl_engine_create returned no engine") }
        handle = e
    }

    deinit { dnnl_engine_destroy(handle) }

    private static let created: Result<DNNLEngine, RuntimeError> = {
        do { return .success(try DNNLEngine()) } catch let e as RuntimeError { return .failure(e) } catch {
            return .failure(RuntimeError(.backendFailure, "dnnl engine: \(error)"))
        }
    }()

    static func shared() throws -> DNNLEngine { try created.get() }
}

/// An in-order execution stream on the shared engine.
final class DNNLStream {
    let handle: dnnl_stream_t
    let engine: DNNLEngine

    init(engine: DNNLEngine) throws {
        var s: dnnl_stream_t?
        try dnnlCheck(dnnl_stream_create(&s, engine.handle, dnnl_stream_default_flags.rawValue), "dnnl_stream_create")
        guard let s else { throw RuntimeError(.backendFailure, "dnnl_stream_create returned no stream") }
        handle = s
        self.engine = engine
    }

    deinit { dnnl_stream_destroy(handle) }
}

/// Primitive attributes: the post-op chain of a fused convolution.
final class DNNLAttributes {
    let handle: dnnl_primitive_attr_t

    init(postOps: [DNNLPostOp]) throws {
        var a: dnnl_primitive_attr_t?
        try dnnlCheck(dnnl_primitive_attr_create(&a), "dnnl_primitive_attr_create")
        guard let a else { throw RuntimeError(.backendFailure, "dnnl_primitive_attr_create returned nothing") }
        handle = a
        guard !postOps.isEmpty else { return }
        var p: dnnl_post_ops_t?
        try dnnlCheck(dnnl_post_ops_create(&p), "dnnl_post_ops_create")
        guard let p else { throw RuntimeError(.backendFailure, "dnnl_post_ops_create returned nothing") }
        defer { dnnl_post_ops_destroy(p) }
        for op in postOps {
            switch op {
            case .sum:
                try dnnlCheck(dnnl_post_ops_append_sum(p, 1), "dnnl_post_ops_append_sum")
            case .eltwise(let e):
                try dnnlCheck(dnnl_post_ops_append_eltwise(p, 1, e.algorithm, e.alpha, e.beta),
                              "dnnl_post_ops_append_eltwise(\(e))")
            case .binaryAdd(let d):
                var md = d.raw
                try dnnlCheck(dnnl_post_ops_append_binary(p, dnnl_binary_add, &md), "dnnl_post_ops_append_binary(add \(d.dims))")
            }
        }
        try dnnlCheck(dnnl_primitive_attr_set_post_ops(handle, p), "dnnl_primitive_attr_set_post_ops")
    }

    deinit { dnnl_primitive_attr_destroy(handle) }
}

/// A primitive descriptor together with the primitive created from it.
final class DNNLPrimitive {
    let pd: dnnl_primitive_desc_t
    let primitive: dnnl_primitive_t
    let what: String

    /// `opDesc` points at an initialised `dnnl_*_desc_t`.
    convenience init(opDesc: UnsafeRawPointer, attributes: DNNLAttributes? = nil, engine: DNNLEngine, what: String) throws {
        var pd: dnnl_primitive_desc_t?
        try dnnlCheck(dnnl_primitive_desc_create(&pd, opDesc, attributes?.handle, engine.handle, nil),
                      "dnnl_primitive_desc_create(\(what))")
        guard let pd else { throw RuntimeError(.backendFailure, "dnnl_primitive_desc_create(\(what)) returned nothing") }
        try self.init(pd: pd, what: what)
    }

    /// The first implementation whose name satisfies `prefer` (e.g. rejects "brgconv"), or
    /// oneDNN's first choice when none does.
    convenience init(opDesc: UnsafeRawPointer, attributes: DNNLAttributes?, engine: DNNLEngine, what: String,
                     prefer: (String) -> Bool) throws {
        var it: dnnl_primitive_desc_iterator_t?
        try dnnlCheck(dnnl_primitive_desc_iterator_create(&it, opDesc, attributes?.handle, engine.handle, nil),
                      "dnnl_primitive_desc_iterator_create(\(what))")
        guard let it else { throw RuntimeError(.backendFailure, "dnnl_primitive_desc_iterator_create(\(what)) returned nothing") }
        defer { dnnl_primitive_desc_iterator_destroy(it) }
        var first: dnnl_primitive_desc_t? = nil
        var chosen: dnnl_primitive_desc_t? = nil
        repeat {
            guard let pd = dnnl_primitive_desc_iterator_fetch(it) else { break }
            if prefer(DNNLPrimitive.implementation(of: pd)) {
                chosen = pd
                break
            }
            if first == nil { first = pd } else { dnnl_primitive_desc_destroy(pd) }
        } while dnnl_primitive_desc_iterator_next(it) == dnnl_success
        if chosen != nil, let f = first { dnnl_primitive_desc_destroy(f) }
        guard let pd = chosen ?? first else {
            throw RuntimeError(.backendFailure, "dnnl_primitive_desc_iterator_fetch(\(what)) found no implementation")
        }
        try self.init(pd: pd, what: what)
    }

    /// A reorder from `src` to `dst`.
    convenience init(reorderFrom src: DNNLMemoryDesc, to dst: DNNLMemoryDesc, engine: DNNLEngine) throws {
        var pd: dnnl_primitive_desc_t?
        var s = src.raw, d = dst.raw
        try dnnlCheck(dnnl_reorder_primitive_desc_create(&pd, &s, engine.handle, &d, engine.handle, nil),
                      "dnnl_reorder_primitive_desc_create(\(src.formatName) → \(dst.formatName))")
        guard let pd else { throw RuntimeError(.backendFailure, "dnnl_reorder_primitive_desc_create returned nothing") }
        try self.init(pd: pd, what: "reorder")
    }

    /// Takes ownership of `pd` (destroyed on failure too).
    init(pd: dnnl_primitive_desc_t, what: String) throws {
        var p: dnnl_primitive_t?
        let status = dnnl_primitive_create(&p, pd)
        guard status == dnnl_success, let p else {
            dnnl_primitive_desc_destroy(pd)
            throw RuntimeError(.backendFailure, "dnnl_primitive_create(\(what)) failed: \(dnnlStatusName(status))")
        }
        self.pd = pd
        primitive = p
        self.what = what
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_primitive_desc_destroy(pd)
    }

    /// The memory descriptor the primitive chose for `query` (src/weights/dst…).
    func md(_ query: dnnl_query_t, _ index: Int32 = 0) throws -> DNNLMemoryDesc {
        guard let p = dnnl_primitive_desc_query_md(pd, query, index) else {
            throw RuntimeError(.backendFailure, "dnnl_primitive_desc_query_md(\(what), \(query.rawValue)) failed")
        }
        return DNNLMemoryDesc(p.pointee)
    }

    /// The implementation oneDNN picked, e.g. "jit:avx512_core".
    var implementation: String { DNNLPrimitive.implementation(of: pd) }

    private static func implementation(of pd: dnnl_primitive_desc_t) -> String {
        var s: UnsafePointer<CChar>? = nil
        guard dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &s) == dnnl_success, let s else { return "?" }
        return String(cString: s)
    }

    func execute(_ stream: DNNLStream, _ args: [dnnl_exec_arg_t]) throws {
        let status = args.withUnsafeBufferPointer {
            dnnl_primitive_execute(primitive, stream.handle, Int32($0.count), $0.baseAddress)
        }
        try dnnlCheck(status, "dnnl_primitive_execute(\(what))")
    }
}

/// A memory object without a buffer of its own: every execution binds the tensor storage
/// it operates on (Tensor storage is 64-byte aligned, which oneDNN wants).
final class DNNLMemory {
    let handle: dnnl_memory_t
    let desc: DNNLMemoryDesc

    init(_ desc: DNNLMemoryDesc, engine: DNNLEngine) throws {
        var m: dnnl_memory_t?
        var raw = desc.raw
        try dnnlCheck(dnnl_memory_create(&m, &raw, engine.handle, nil), "dnnl_memory_create(\(desc.formatName))")
        guard let m else { throw RuntimeError(.backendFailure, "dnnl_memory_create returned nothing") }
        handle = m
        self.desc = desc
    }

    deinit { dnnl_memory_destroy(handle) }

    /// The execution argument `arg` (a DNNL_ARG_* value) bound to `data`.
    func arg(_ arg: Int32, _ data: UnsafeMutableRawPointer) throws -> dnnl_exec_arg_t {
        try dnnlCheck(dnnl_memory_set_data_handle(handle, data), "dnnl_memory_set_data_handle")
        return dnnl_exec_arg_t(arg: arg, memory: handle)
    }
}
