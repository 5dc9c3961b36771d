import CDNNL

/// 2-D ConvTranspose (group 1) as a GEMM plus a gather, in NHWC, per chunk of images:
///
///     col[(n,ih,iw), (kh,kw,c)] = Σ_ci x[n,ih,iw,ci] · W[ci,c,kh,kw]           (dnnl_sgemm)
///     y[n,oh,ow,c] = act(bias[c] + Σ over the taps reaching (oh,ow) of col[…])  (gather)
///
/// This is onnxruntime's algorithm (GEMM + col2im). oneDNN 2.6 computes deconvolutions as
/// backward-data convolutions, which are several times slower on the strided 4×4 kernels of
/// generators (see docs/benchmarks.md). The gather visits every output once (no scatter,
/// no zero fill) and applies bias and a leading Relu in the same pass; other activations run
/// as in-place oneDNN eltwise primitives afterwards. Input and output are NHWC ("acdb"), so
/// a chain of these needs no reorders; narrow outputs (fewer channels than a vector holds,
/// e.g. a generator's RGB image) are written planar (NCHW), which saves the reorder readers
/// would need. Chunks keep `col` within the L2 cache.
final class GemmDeconvolution {
    let geometry: ConvGeometry
    /// The input's NHWC descriptor and the output's (NHWC, or plain when `planar`).
    let srcDesc, dstDesc: DNNLMemoryDesc
    private let planar: Bool
    let outputLayout: DNNLLayout?
    /// The weights as the GEMM's B operand [Cin, KH·KW·Cout] once reordered (constant weights).
    var preparedWeights: TensorStorage?
    private let context: DNNLContext
    private let fusedRelu: Bool
    private let eltwise: [DNNLPrimitive]
    private let eltwiseMemory: DNNLMemory
    /// Columns of `col` (KH·KW·Cout) and its rows per image (IH·IW).
    private let colWidth, pixelsPerImage: Int
    private let imagesPerChunk: Int
    /// Per output row/column: the `col` offsets of the taps reaching it, as CSR lists
    /// (row taps hold ih·IW·colWidth + kh·KW·Cout, column taps iw·colWidth + kw·Cout).
    private let rowStart, rowTaps, columnStart, columnTaps: [Int]

    /// Bytes of `col` a chunk aims at: the L2 cache of one core holds it with room to spare.
    static let chunkBytes = 1 << 20
    /// Gathers with fewer additions than this run on the calling thread: a parallel region
    /// costs more than it saves, most of all when the pool's threads sleep between regions.
    static let parallelWork = OpenMPPool.threadsSleep ? 1 << 18 : 1 << 14
    /// Outputs with fewer channels are written planar.
    static let planarBelow = 16

    /// nil when the node is not a 2-D, single-group ConvTranspose with only activation
    /// post-ops oneDNN implements.
    init?(geometry g: ConvGeometry, postOps: [FusedConv.PostOp], context: DNNLContext) throws {
        guard g.transposed, g.spatialRank == 2, g.group == 1, !postOps.contains(where: { $0.op == "Add" }),
              let chain = FusedConv.dnnlPostOps(postOps) else { return nil }
        geometry = g
        self.context = context
        let (ih, iw) = (g.inputSpatial[0], g.inputSpatial[1])
        let (oh, ow) = (g.outputSpatial[0], g.outputSpatial[1])
        let (kh, kw) = (g.kernel[0], g.kernel[1])
        let c = g.outChannels
        srcDesc = try GemmDeconvolution.nhwc(g.inputShape)
        planar = c < GemmDeconvolution.planarBelow
        dstDesc = planar ? try .plain(g.outputShape) : try GemmDeconvolution.nhwc(g.outputShape)
        outputLayout = context.layout(for: dstDesc)
        colWidth = kh * kw * c
        pixelsPerImage = ih * iw
        imagesPerChunk = max(1, min(g.batch, GemmDeconvolution.chunkBytes / max(1, pixelsPerImage * colWidth * 4)))

        // Output o of an axis receives input i through tap k when o = i·stride − pad + k·dilation.
        func taps(axis: Int, outputs: Int, inputs: Int, kernel: Int, offset: (Int, Int) -> Int) -> ([Int], [Int]) {
            var start = [0], list: [Int] = []
            for o in 0..<outputs {
                for k in 0..<kernel {
                    let t = o + g.padsBegin[axis] - k * g.dilations[axis]
                    guard t >= 0, t % g.strides[axis] == 0, t / g.strides[axis] < inputs else { continue }
                    list.append(offset(t / g.strides[axis], k))
                }
                start.append(list.count)
            }
            return (start, list)
        }
        let width = colWidth
        (rowStart, rowTaps) = taps(axis: 0, outputs: oh, inputs: ih, kernel: kh) { i, k in i * iw * width + k * kw * c }
        (columnStart, columnTaps) = taps(axis: 1, outputs: ow, inputs: iw, kernel: kw) { i, k in i * width + k * c }

        var rest = chain
        if case .eltwise(let e) = rest.first, e.algorithm == dnnl_eltwise_relu, e.alpha == 0 {
            fusedRelu = true
            rest.removeFirst()
        } else {
            fusedRelu = false
        }
        // Elementwise on dense data: one flat descriptor.
        let flat = try DNNLMemoryDesc.plain([g.outputShape.reduce(1, *)])
        eltwise = try rest.map { op -> DNNLPrimitive in
            guard case .eltwise(let e) = op else { throw RuntimeError.unsupported("post-op \(op) after a GEMM deconvolution") }
            var od = dnnl_eltwise_desc_t()
            var md = flat.raw
            try dnnlCheck(dnnl_eltwise_forward_desc_init(&od, dnnl_forward_inference, e.algorithm, &md, e.alpha, e.beta),
                          "dnnl_eltwise_forward_desc_init(\(e))")
            return try DNNLPrimitive(opDesc: &od, engine: context.engine, what: "eltwise \(e)")
        }
        eltwiseMemory = try DNNLMemory(flat, engine: context.engine)
    }

    /// [N, C, H, W] stored as NHWC.
    static func nhwc(_ shape: [Int]) throws -> DNNLMemoryDesc {
        let (c, h, w) = (shape[1], shape[2], shape[3])
        return try .strided(shape, strides: [h * w * c, 1, w * c, c])
    }

    /// Bytes of the GEMM's B operand.
    var weightBytes: Int { geometry.inChannels * colWidth * 4 }

    /// ONNX weights [Cin, Cout, KH, KW] → B[ci, (kh·KW + kw)·Cout + c] in `dst`.
    func prepareWeights(_ w: Tensor, into dst: UnsafeMutablePointer<Float>) {
        let g = geometry
        let (cout, k) = (g.outChannels, g.kernelSize)
        w.withUnsafeBufferPointer(as: Float.self) { src in
            for ci in 0..<g.inChannels {
                for co in 0..<cout {
                    let s = ci * cout * k + co * k
                    for t in 0..<k { dst[ci * colWidth + t * cout + co] = src[s + t] }
                }
            }
        }
    }

    /// y = ConvTranspose(x) with `x` in `srcDesc`, `weights` prepared, `bias` plain or nil.
    func run(x: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
             pool: BufferPool?) throws -> Tensor {
        let g = geometry
        let y = context.allocate(g.outputShape, dstDesc, layout: outputLayout, pool: pool)
        let out = y.storage.data.assumingMemoryBound(to: Float.self)
        let colBytes = imagesPerChunk * pixelsPerImage * colWidth * 4
        let colStorage = pool?.take(byteCount: colBytes, zeroed: false) ?? TensorStorage(byteCount: colBytes, zeroed: false)
        defer { pool?.give(colStorage) }
        let col = colStorage.data.assumingMemoryBound(to: Float.self)
        let outPerImage = g.outputSpatialSize * g.outChannels
        var n0 = 0
        while n0 < g.batch {
            let images = min(imagesPerChunk, g.batch - n0)
            let m = images * pixelsPerImage
            try dnnlCheck(dnnl_sgemm(CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "N")), Int64(m), Int64(colWidth),
                                     Int64(g.inChannels), 1, x + n0 * pixelsPerImage * g.inChannels, Int64(g.inChannels),
                                     weights, Int64(colWidth), 0, col, Int64(colWidth)),
                          "dnnl_sgemm(\(m)×\(g.inChannels) · \(g.inChannels)×\(colWidth))")
            gather(col, images: images, bias, out + n0 * outPerImage)
            n0 += images
        }
        for p in eltwise {
            try p.execute(context.stream, [eltwiseMemory.arg(DNNL_ARG_SRC, y.storage.data),
                                           eltwiseMemory.arg(DNNL_ARG_DST, y.storage.data)])
        }
        return y
    }

    /// Every output pixel of `images` images sums its taps' `col` vectors onto the bias, in
    /// registers; output rows are split over the OpenMP pool's threads.
    private func gather(_ col: UnsafePointer<Float>, images: Int, _ bias: UnsafePointer<Float>?,
                        _ y: UnsafeMutablePointer<Float>) {
        let (oh, ow, c) = (geometry.outputSpatial[0], geometry.outputSpatial[1], geometry.outChannels)
        let colPerImage = pixelsPerImage * colWidth
        let relu = fusedRelu, planar = self.planar, maxTaps = geometry.kernelSize
        let plane = oh * ow
        // Additions: every (row tap, column tap) pair adds one vector of c.
        let work = images * c * rowTaps.count * columnTaps.count
        rowStart.withUnsafeBufferPointer { rs in
        rowTaps.withUnsafeBufferPointer { rt in
        columnStart.withUnsafeBufferPointer { cs in
        columnTaps.withUnsafeBufferPointer { ct in
            OpenMPPool.forEach(images * oh, parallel: work >= GemmDeconvolution.parallelWork) { rows in
                withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: maxTaps) { taps in
                    for row in rows {
                        let (n, h) = row.quotientAndRemainder(dividingBy: oh)
                        let image = col + n * colPerImage
                        for x in 0..<ow {
                            var count = 0
                            for r in rs[h]..<rs[h + 1] {
                                for q in cs[x]..<cs[x + 1] {
                                    taps[count] = image + rt[r] + ct[q]
                                    count += 1
                                }
                            }
                            let t = UnsafeBufferPointer(rebasing: taps[..<count])
                            if planar {
                                GemmDeconvolution.sum(t, bias, relu: relu, channels: c, stride: plane,
                                                      into: y + n * c * plane + h * ow + x)
                            } else {
                                GemmDeconvolution.sum(t, bias, relu: relu, channels: c, stride: 1, into: y + (row * ow + x) * c)
                            }
                        }
                    }
                }
            }
        }}}}
    }

    /// out[j·stride] = act(bias[j] + Σ_t taps[t][j]) for j < channels.
    @inline(__always)
    private static func sum(_ taps: UnsafeBufferPointer<UnsafePointer<Float>>, _ bias: UnsafePointer<Float>?, relu: Bool,
                            channels: Int, stride: Int, into out: UnsafeMutablePointer<Float>) {
        var j = 0
        if stride == 1 {
            while j + 16 <= channels {
                var acc = bias.map { UnsafeRawPointer($0 + j).loadUnaligned(as: SIMD16<Float>.self) } ?? .zero
                for t in taps { acc += UnsafeRawPointer(t + j).loadUnaligned(as: SIMD16<Float>.self) }
                // NaN < 0 is false: NaN stays, as ONNX Relu wants.
                if relu { acc.replace(with: 0, where: acc .< 0) }
                UnsafeMutableRawPointer(out + j).storeBytes(of: acc, as: SIMD16<Float>.self)
                j += 16
            }
        }
        while j < channels {
            var acc = bias?[j] ?? 0
            for t in taps { acc += t[j] }
            out[j * stride] = relu && acc < 0 ? 0 : acc
            j += 1
        }
    }
}
