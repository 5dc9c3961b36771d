import CDNNL

/// A float32 oneDNN memory descriptor (a value: `dnnl_memory_desc_t` is a plain C struct).
struct DNNLMemoryDesc: Equatable {
    var raw: dnnl_memory_desc_t

    init(_ raw: dnnl_memory_desc_t) { self.raw = raw }

    /// Row-major (plain) layout of `shape`; a scalar is described as one element.
    static func plain(_ shape: [Int]) throws -> DNNLMemoryDesc {
        let dims = shape.isEmpty ? [1] : shape
        return try strided(dims, strides: Tensor.strides(of: dims))
    }

    /// Arbitrary strides, e.g. a transposed view of a row-major buffer.
    static func strided(_ dims: [Int], strides: [Int]) throws -> DNNLMemoryDesc {
        try checkRank(dims)
        var md = dnnl_memory_desc_t()
        let d = dims.map(Int64.init), s = strides.map(Int64.init)
        try dnnlCheck(dnnl_memory_desc_init_by_strides(&md, Int32(d.count), d, dnnl_f32, s),
                      "dnnl_memory_desc_init_by_strides(\(dims), strides \(strides))")
        return DNNLMemoryDesc(md)
    }

    /// Lets the primitive choose the layout.
    static func any(_ dims: [Int]) throws -> DNNLMemoryDesc {
        try checkRank(dims)
        var md = dnnl_memory_desc_t()
        let d = dims.map(Int64.init)
        try dnnlCheck(dnnl_memory_desc_init_by_tag(&md, Int32(d.count), d, dnnl_f32, dnnl_format_tag_any),
                      "dnnl_memory_desc_init_by_tag(\(dims), any)")
        return DNNLMemoryDesc(md)
    }

    private static func checkRank(_ dims: [Int]) throws {
        guard (1...Int(DNNL_MAX_NDIMS)).contains(dims.count) else {
            throw RuntimeError.unsupported("oneDNN handles ranks 1…\(DNNL_MAX_NDIMS), got shape \(dims)")
        }
    }

    var rank: Int { Int(raw.ndims) }

    var dims: [Int] {
        withUnsafeBytes(of: raw.dims) { Array($0.bindMemory(to: Int64.self).prefix(rank)).map { Int($0) } }
    }

    /// Bytes a buffer in this layout needs (including blocking padding).
    var byteSize: Int { withUnsafePointer(to: raw) { dnnl_memory_desc_get_size($0) } }

    static func == (a: DNNLMemoryDesc, b: DNNLMemoryDesc) -> Bool {
        withUnsafePointer(to: a.raw) { pa in withUnsafePointer(to: b.raw) { dnnl_memory_desc_equal(pa, $0) != 0 } }
    }

    /// True when the bytes are exactly the row-major layout of `dims`.
    var isPlain: Bool { (try? DNNLMemoryDesc.plain(dims)).map { $0 == self } ?? false }

    /// The same layout with the outermost (batch) dimension set to 1: one sample of a tensor
    /// whose batch dimension is outermost and unblocked. nil for other layouts.
    var singleSample: (desc: DNNLMemoryDesc, sampleStride: Int)? {
        guard raw.format_kind == dnnl_blocked, rank >= 1 else { return nil }
        let b = raw.format_desc.blocking
        let strides = withUnsafeBytes(of: b.strides) { Array($0.bindMemory(to: Int64.self).prefix(rank)) }
        let blocked = withUnsafeBytes(of: b.inner_idxs) { Array($0.bindMemory(to: Int64.self).prefix(Int(b.inner_nblks))) }
        guard !blocked.contains(0), raw.offset0 == 0 else { return nil }
        // Dense layouts put the dimension with the largest stride outermost.
        guard strides.dropFirst().allSatisfy({ $0 <= strides[0] }) else { return nil }
        var one = raw
        one.dims.0 = 1
        one.padded_dims.0 = 1
        return (DNNLMemoryDesc(one), Int(strides[0]))
    }

    /// oneDNN-style format name, e.g. "aBcd16b" (nChw16c) or "abcd" (plain NCHW): dimensions
    /// from outermost to innermost, blocked ones in capitals, then the inner blocks.
    var formatName: String {
        switch raw.format_kind {
        case dnnl_format_kind_any: return "any"
        case dnnl_blocked: break
        default: return "format_kind#\(raw.format_kind.rawValue)"
        }
        let b = raw.format_desc.blocking
        let strides = withUnsafeBytes(of: b.strides) { Array($0.bindMemory(to: Int64.self).prefix(rank)) }
        let nb = Int(b.inner_nblks)
        let blks = withUnsafeBytes(of: b.inner_blks) { Array($0.bindMemory(to: Int64.self).prefix(nb)) }
        let idxs = withUnsafeBytes(of: b.inner_idxs) { Array($0.bindMemory(to: Int64.self).prefix(nb)) }
        let letters = Array("abcdefghijkl")
        let order = (0..<rank).sorted { strides[$0] != strides[$1] ? strides[$0] > strides[$1] : $0 < $1 }
        var s = ""
        for d in order {
            let l = String(letters[d])
            s += idxs.contains(Int64(d)) ? l.uppercased() : l
        }
        for (blk, idx) in zip(blks, idxs) { s += "\(blk)\(letters[Int(idx)])" }
        return s
    }
}
