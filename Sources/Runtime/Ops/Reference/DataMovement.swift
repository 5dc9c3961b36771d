import Foundation

/// Byte-level data movement shared by the shape, indexing and resize/pad kernels. Every
/// routine moves raw elements of a given byte size, so one implementation serves every dtype.
/// Offsets and strides are in elements, not bytes.
enum DataMovement {
    /// Bytes per element of `t`, rejecting dtypes whose elements do not live in the buffer.
    static func elementSize(_ t: Tensor) throws -> Int {
        guard t.dtype.byteSize > 0 else { throw RuntimeError.dtype("\(t.dtype) tensors are not supported") }
        return t.dtype.byteSize
    }

    /// `axis` normalised into [0, rank) (negative counts from the end).
    static func axis(_ axis: Int, rank: Int, _ what: String = "axis") throws -> Int {
        guard axis >= -rank && axis < rank else {
            throw RuntimeError.invalid("\(what) \(axis) is out of range for rank \(rank) (expected [-\(rank), \(rank - 1)])")
        }
        return axis < 0 ? axis + rank : axis
    }

    /// Normalised, duplicate-free axes.
    static func axes(_ axes: [Int], rank: Int, _ what: String = "axes") throws -> [Int] {
        let out = try axes.map { try axis($0, rank: rank, what) }
        guard Set(out).count == out.count else { throw RuntimeError.invalid("\(what) \(axes) contain duplicates") }
        return out
    }

    /// Checks that a shape computed from input values has no negative dimension and a byte
    /// size that fits in memory arithmetic, so that allocating it cannot trap.
    static func checkShape(_ shape: [Int], _ what: String) throws {
        if let d = shape.first(where: { $0 < 0 }) {
            throw RuntimeError.invalid("\(what) \(shape) has negative dimension \(d)")
        }
        var bytes = 8
        for d in shape {
            let (p, overflow) = bytes.multipliedReportingOverflow(by: d)
            guard !overflow, p < 1 << 48 else { throw RuntimeError.invalid("\(what) \(shape) is too large") }
            bytes = p
        }
    }

    /// A tensor input that must be 0-D or 1-D with one element, as an Int.
    static func scalarInt(_ t: Tensor, _ what: String) throws -> Int {
        guard t.count == 1 else { throw RuntimeError.invalid("\(what) must be a scalar, got shape \(t.shape)") }
        return t.ints[0]
    }

    // MARK: strided copy

    /// For every index `i` of `shape`: dst[dstOffset + Σ i·dstStrides] = src[srcOffset + Σ i·srcStrides].
    /// Source strides may be 0 (broadcast) or negative (reversal).
    static func stridedCopy(shape: [Int], src: UnsafeRawPointer, srcOffset: Int, srcStrides: [Int],
                            dst: UnsafeMutableRawPointer, dstOffset: Int, dstStrides: [Int], elementSize es: Int) {
        if shape.contains(0) { return }
        // Drop unit axes and merge neighbours that are contiguous in both source and destination,
        // so that most copies become a few long rows.
        var dims: [Int] = [], ss: [Int] = [], ds: [Int] = []
        for d in 0..<shape.count where shape[d] != 1 {
            if let last = dims.indices.last, ss[last] == srcStrides[d] * shape[d], ds[last] == dstStrides[d] * shape[d] {
                dims[last] *= shape[d]
                ss[last] = srcStrides[d]
                ds[last] = dstStrides[d]
            } else {
                dims.append(shape[d]); ss.append(srcStrides[d]); ds.append(dstStrides[d])
            }
        }
        let s = src + srcOffset * es, d = dst + dstOffset * es
        switch es {
        case 1: stridedCopy(UInt8.self, dims, s, ss, d, ds)
        case 2: stridedCopy(UInt16.self, dims, s, ss, d, ds)
        case 4: stridedCopy(UInt32.self, dims, s, ss, d, ds)
        case 8: stridedCopy(UInt64.self, dims, s, ss, d, ds)
        default:
            // Any other element size: move it as a contiguous innermost axis of bytes.
            stridedCopy(UInt8.self, dims + [es], s, ss.map { $0 * es } + [1], d, ds.map { $0 * es } + [1])
        }
    }

    private static func stridedCopy<T>(_: T.Type, _ dims: [Int], _ src: UnsafeRawPointer, _ ss: [Int],
                                       _ dst: UnsafeMutableRawPointer, _ ds: [Int]) {
        let s = src.assumingMemoryBound(to: T.self)
        let d = dst.assumingMemoryBound(to: T.self)
        let r = dims.count
        if r == 0 { d[0] = s[0]; return }
        let n = dims[r - 1], sn = ss[r - 1], dn = ds[r - 1]
        // A source that is contiguous along the second-to-last axis but not the last is a
        // (batched) 2-D transpose: copy it in cache-sized tiles.
        let tiled = r >= 2 && sn != 1 && dn == 1 && ss[r - 2] == 1
        let outer = tiled ? r - 2 : r - 1
        var idx = [Int](repeating: 0, count: outer)
        var so = 0, dof = 0
        while true {
            if tiled {
                transposeTile(s + so, d + dof, rows: dims[r - 2], cols: n, srcColStride: sn, dstRowStride: ds[r - 2])
            } else if sn == 1 && dn == 1 {
                (d + dof).update(from: s + so, count: n)
            } else {
                var si = so, di = dof
                for _ in 0..<n { d[di] = s[si]; si += sn; di += dn }
            }
            // Odometer over the outer axes.
            var k = outer - 1
            while k >= 0 {
                idx[k] += 1
                so += ss[k]; dof += ds[k]
                if idx[k] < dims[k] { break }
                so -= ss[k] * dims[k]; dof -= ds[k] * dims[k]
                idx[k] = 0
                k -= 1
            }
            if k < 0 { return }
        }
    }

    /// dst[i·dstRowStride + j] = src[i + j·srcColStride] for i < rows, j < cols, by tiles.
    @inline(__always)
    private static func transposeTile<T>(_ s: UnsafePointer<T>, _ d: UnsafeMutablePointer<T>, rows: Int, cols: Int,
                                         srcColStride: Int, dstRowStride: Int) {
        let b = 32
        var i0 = 0
        while i0 < rows {
            let i1 = min(i0 + b, rows)
            var j0 = 0
            while j0 < cols {
                let j1 = min(j0 + b, cols)
                for i in i0..<i1 {
                    let drow = d + i * dstRowStride
                    for j in j0..<j1 { drow[j] = s[i + j * srcColStride] }
                }
                j0 = j1
            }
            i0 = i1
        }
    }

    /// A new contiguous tensor holding `t` viewed with `viewShape`/`viewStrides` at `offset`.
    static func materialize(_ t: Tensor, viewShape: [Int], viewStrides: [Int], offset: Int = 0,
                            _ ctx: KernelContext) throws -> Tensor {
        let es = try elementSize(t)
        var out = ctx.allocate(viewShape, t.dtype, zeroed: false)
        out.makeUnique()
        stridedCopy(shape: viewShape, src: t.storage.data, srcOffset: offset, srcStrides: viewStrides,
                    dst: out.storage.data, dstOffset: 0, dstStrides: Tensor.strides(of: viewShape), elementSize: es)
        return out
    }

    /// `t` with its axes permuted: output axis i is input axis perm[i].
    static func transpose(_ t: Tensor, perm: [Int], _ ctx: KernelContext) throws -> Tensor {
        let st = Tensor.strides(of: t.shape)
        return try materialize(t, viewShape: perm.map { t.shape[$0] }, viewStrides: perm.map { st[$0] }, ctx)
    }

    // MARK: fill and gather

    /// Writes `count` copies of the element at `value` into `dst`.
    static func fill(_ dst: UnsafeMutableRawPointer, count: Int, value: UnsafeRawPointer, elementSize es: Int) {
        guard count > 0 else { return }
        if UnsafeRawBufferPointer(start: value, count: es).allSatisfy({ $0 == 0 }) {
            memset(dst, 0, count * es)
            return
        }
        switch es {
        case 1: memset(dst, Int32(value.load(as: UInt8.self)), count)
        case 2: dst.assumingMemoryBound(to: UInt16.self).update(repeating: value.loadUnaligned(as: UInt16.self), count: count)
        case 4: dst.assumingMemoryBound(to: UInt32.self).update(repeating: value.loadUnaligned(as: UInt32.self), count: count)
        case 8: dst.assumingMemoryBound(to: UInt64.self).update(repeating: value.loadUnaligned(as: UInt64.self), count: count)
        default: for i in 0..<count { (dst + i * es).copyMemory(from: value, byteCount: es) }
        }
    }

    /// A tensor of `shape` whose every element is the single element of `value`.
    static func filled(_ shape: [Int], with value: Tensor, _ ctx: KernelContext) throws -> Tensor {
        let es = try elementSize(value)
        guard value.count == 1 else { throw RuntimeError.invalid("fill value must have one element, got shape \(value.shape)") }
        var out = ctx.allocate(shape, value.dtype, zeroed: false)
        out.makeUnique()
        fill(out.storage.data, count: out.count, value: value.storage.data, elementSize: es)
        return out
    }

    /// out[i0, …, in] = src[maps[0][i0], …, maps[n][in]]: a separable per-axis gather (Pad's
    /// edge/reflect/wrap modes, nearest-neighbour Resize). Every map entry must be in range.
    static func gatherAxes(src: UnsafeRawPointer, srcShape: [Int], maps: [[Int]], dst: UnsafeMutableRawPointer, elementSize es: Int) {
        let r = srcShape.count
        if maps.contains(where: \.isEmpty) { return }
        if r == 0 { dst.copyMemory(from: src, byteCount: es); return }
        let st = Tensor.strides(of: srcShape)
        // Per-axis source offsets, so the loop adds instead of multiplying.
        let offsets = (0..<r).map { a in maps[a].map { $0 * st[a] } }
        switch es {
        case 1: gatherAxes(UInt8.self, src, offsets, dst)
        case 2: gatherAxes(UInt16.self, src, offsets, dst)
        case 4: gatherAxes(UInt32.self, src, offsets, dst)
        case 8: gatherAxes(UInt64.self, src, offsets, dst)
        default:
            let inner = [Array(0..<es)]
            gatherAxes(UInt8.self, src, offsets.map { $0.map { $0 * es } } + inner, dst)
        }
    }

    private static func gatherAxes<T>(_: T.Type, _ src: UnsafeRawPointer, _ offsets: [[Int]], _ dst: UnsafeMutableRawPointer) {
        let s = src.assumingMemoryBound(to: T.self)
        var d = dst.assumingMemoryBound(to: T.self)
        let r = offsets.count
        let last = offsets[r - 1]
        let n = last.count
        // A last-axis map that is a contiguous run (the common case for Pad) is one block copy.
        let run = n > 0 && last[n - 1] - last[0] == n - 1 && zip(last, last.dropFirst()).allSatisfy { $1 == $0 + 1 }
        var idx = [Int](repeating: 0, count: r - 1)
        var base = 0
        for k in 0..<(r - 1) { base += offsets[k][0] }
        last.withUnsafeBufferPointer { lp in
            while true {
                if run {
                    d.update(from: s + base + lp[0], count: n)
                } else {
                    let row = s + base
                    for j in 0..<n { d[j] = row[lp[j]] }
                }
                d += n
                var k = r - 2
                while k >= 0 {
                    base -= offsets[k][idx[k]]
                    idx[k] += 1
                    if idx[k] < offsets[k].count { base += offsets[k][idx[k]]; break }
                    idx[k] = 0
                    base += offsets[k][0]
                    k -= 1
                }
                if k < 0 { return }
            }
        }
    }
}
