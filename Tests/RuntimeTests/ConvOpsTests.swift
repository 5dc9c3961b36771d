import XCTest
@testable import Runtime

final class ConvOpsTests: XCTestCase {
    typealias H = NumericOpsHarness

    struct Case {
        var x: [Int]
        var w: [Int]
        var group = 1
        var strides: [Int]? = nil
        var dilations: [Int]? = nil
        var pads: [Int]? = nil
        var outputPadding: [Int]? = nil
        var bias = false

        var rank: Int { x.count - 2 }
        var s: [Int] { strides ?? [Int](repeating: 1, count: rank) }
        var d: [Int] { dilations ?? [Int](repeating: 1, count: rank) }
        var pb: [Int] { pads.map { Array($0[0..<rank]) } ?? [Int](repeating: 0, count: rank) }
        var pe: [Int] { pads.map { Array($0[rank...]) } ?? [Int](repeating: 0, count: rank) }
        var attributes: [String: Attribute] {
            var a: [String: Attribute] = ["group": .int(group)]
            if let strides { a["strides"] = .ints(strides) }
            if let dilations { a["dilations"] = .ints(dilations) }
            if let pads { a["pads"] = .ints(pads) }
            if let outputPadding { a["output_padding"] = .ints(outputPadding) }
            return a
        }
    }

    /// Direct convolution: every output element sums over its group's channels and kernel taps.
    static func naiveConv(_ c: Case, _ x: [Float], _ w: [Float], _ b: [Float]?) -> ([Float], [Int]) {
        let r = c.rank, cg = c.x[1] / c.group, mg = c.w[0] / c.group
        let kernel = Array(c.w[2...])
        var out: [Int] = []
        for i in 0..<r {
            let span: Int = c.x[2 + i] + c.pb[i] + c.pe[i] - (kernel[i] - 1) * c.d[i] - 1
            out.append(span / c.s[i] + 1)
        }
        let yShape = [c.x[0], c.w[0]] + out
        var y = [Float](repeating: 0, count: yShape.reduce(1, *))
        for yi in 0..<y.count {
            let yc = H.coords(yi, yShape)
            let n = yc[0], m = yc[1], g = m / mg
            var sum: Float = b?[m] ?? 0
            for cc in 0..<cg {
                for ki in 0..<kernel.reduce(1, *) {
                    let kc = H.coords(ki, kernel)
                    var pos: [Int] = []
                    for i in 0..<r { pos.append(yc[2 + i] * c.s[i] - c.pb[i] + kc[i] * c.d[i]) }
                    guard zip(pos, c.x[2...]).allSatisfy({ $0 >= 0 && $0 < $1 }) else { continue }
                    sum += x[H.flat([n, g * cg + cc] + pos, c.x)] * w[H.flat([m, cc] + kc, c.w)]
                }
            }
            y[yi] = sum
        }
        return (y, yShape)
    }

    /// Direct transposed convolution: every input element scatters x·w onto the output.
    static func naiveConvTranspose(_ c: Case, _ x: [Float], _ w: [Float], _ b: [Float]?) -> ([Float], [Int]) {
        let r = c.rank, cg = c.x[1] / c.group, mg = c.w[1]
        let kernel = Array(c.w[2...])
        let op = c.outputPadding ?? [Int](repeating: 0, count: r)
        var out: [Int] = []
        for i in 0..<r {
            let full: Int = c.s[i] * (c.x[2 + i] - 1) + op[i] + (kernel[i] - 1) * c.d[i] + 1
            out.append(full - c.pb[i] - c.pe[i])
        }
        let yShape = [c.x[0], mg * c.group] + out
        var y = [Float](repeating: 0, count: yShape.reduce(1, *))
        if let b { for yi in 0..<y.count { y[yi] = b[H.coords(yi, yShape)[1]] } }
        for xi in 0..<x.count {
            let xc = H.coords(xi, c.x)
            let n = xc[0], ch = xc[1], g = ch / cg
            for mm in 0..<mg {
                for ki in 0..<kernel.reduce(1, *) {
                    let kc = H.coords(ki, kernel)
                    var pos: [Int] = []
                    for i in 0..<r { pos.append(xc[2 + i] * c.s[i] - c.pb[i] + kc[i] * c.d[i]) }
                    guard zip(pos, out).allSatisfy({ $0 >= 0 && $0 < $1 }) else { continue }
                    y[H.flat([n, g * mg + mm] + pos, yShape)] += x[xi] * w[H.flat([ch, mm] + kc, c.w)]
                }
            }
        }
        return (y, yShape)
    }

    func check(_ c: Case, transposed: Bool = false, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = SeededValues(seed)
        let x = rng.floats(c.x.reduce(1, *)), w = rng.floats(c.w.reduce(1, *))
        let outChannels = transposed ? c.w[1] * c.group : c.w[0]
        let b = c.bias ? rng.floats(outChannels) : nil
        let (want, shape) = transposed ? Self.naiveConvTranspose(c, x, w, b) : Self.naiveConv(c, x, w, b)
        let y = try H.run1(transposed ? "ConvTranspose" : "Conv",
                           [Tensor(shape: c.x, floats: x), Tensor(shape: c.w, floats: w), b.map { Tensor(shape: [outChannels], floats: $0) }],
                           c.attributes)
        XCTAssertEqual(y.shape, shape, "output shape", file: file, line: line)
        H.assertClose(y.floats, want, "\(c)", file: file, line: line)
    }

    // MARK: Conv

    func testConvHandComputed() throws {
        // ONNX's basic example: 5×5 ramp 0…24, 3×3 kernel of ones; each output sums a window.
        let x = Tensor(shape: [1, 1, 5, 5], floats: (0..<25).map(Float.init))
        let w = Tensor(shape: [1, 1, 3, 3], floats: [Float](repeating: 1, count: 9))
        let valid = try H.run1("Conv", [x, w])
        XCTAssertEqual(valid.shape, [1, 1, 3, 3])
        XCTAssertEqual(valid.floats, [54, 63, 72, 99, 108, 117, 144, 153, 162])
        let padded = try H.run1("Conv", [x, w], ["pads": .ints([1, 1, 1, 1])])
        XCTAssertEqual(padded.floats, [12, 21, 27, 33, 24, 33, 54, 63, 72, 51, 63, 99, 108, 117, 81,
                                       93, 144, 153, 162, 111, 72, 111, 117, 123, 84])
    }

    func testConv2DStridesPadsDilationsGroups() throws {
        try check(Case(x: [2, 4, 7, 6], w: [6, 2, 3, 2], group: 2, strides: [2, 1], dilations: [1, 2],
                       pads: [1, 0, 2, 1], bias: true), seed: 1)
        try check(Case(x: [1, 3, 9, 9], w: [5, 3, 3, 3], strides: [2, 3], pads: [1, 1, 1, 1]), seed: 2)
        try check(Case(x: [1, 3, 8, 8], w: [2, 3, 2, 3], dilations: [3, 2], pads: [2, 0, 0, 2], bias: true), seed: 3)
    }

    func testConvDepthwise() throws {
        try check(Case(x: [2, 4, 6, 5], w: [8, 1, 3, 3], group: 4, pads: [1, 1, 1, 1], bias: true), seed: 4)
    }

    func testConvPointwiseFastPathAndStridedOneByOne() throws {
        try check(Case(x: [2, 6, 4, 5], w: [3, 6, 1, 1], bias: true), seed: 5)
        try check(Case(x: [2, 6, 4, 5], w: [4, 3, 1, 1], group: 2), seed: 6)
        try check(Case(x: [1, 3, 5, 5], w: [2, 3, 1, 1], strides: [2, 2]), seed: 7)
        try check(Case(x: [1, 3, 4, 4], w: [2, 3, 1, 1], pads: [1, 0, 0, 1]), seed: 8)
    }

    func testConv1DAnd3D() throws {
        try check(Case(x: [2, 3, 11], w: [4, 3, 3], strides: [2], dilations: [2], pads: [1, 2], bias: true), seed: 9)
        try check(Case(x: [1, 4, 5, 4, 6], w: [4, 2, 2, 3, 2], group: 2, strides: [1, 2, 2], pads: [1, 0, 1, 0, 1, 1], bias: true),
                  seed: 10)
    }

    func testConvAutoPad() throws {
        var rng = SeededValues(11)
        let x = rng.tensor([1, 2, 7, 8]), w = rng.tensor([3, 2, 3, 4])
        // Stride 2: output ceil(7/2) = ceil(8/2) = 4; total pads (4−1)·2+3−7 = 2 (height) and
        // (4−1)·2+4−8 = 2 (width), split 1/1.
        let same = try H.run1("Conv", [x, w], ["auto_pad": .string("SAME_UPPER"), "strides": .ints([2, 2])])
        let explicit = try H.run1("Conv", [x, w], ["pads": .ints([1, 1, 1, 1]), "strides": .ints([2, 2])])
        XCTAssertEqual(same.shape, [1, 3, 4, 4])
        H.assertClose(same.floats, explicit.floats)
        // Stride 1: totals 3−1 = 2 (height) and 4−1 = 3 (width); SAME_UPPER puts the odd pad
        // at the end, SAME_LOWER at the beginning.
        let upper = try H.run1("Conv", [x, w], ["auto_pad": .string("SAME_UPPER")])
        H.assertClose(upper.floats, try H.run1("Conv", [x, w], ["pads": .ints([1, 1, 1, 2])]).floats)
        let lower = try H.run1("Conv", [x, w], ["auto_pad": .string("SAME_LOWER")])
        H.assertClose(lower.floats, try H.run1("Conv", [x, w], ["pads": .ints([1, 2, 1, 1])]).floats)
        XCTAssertEqual(upper.shape, [1, 3, 7, 8])
        let valid = try H.run1("Conv", [x, w], ["auto_pad": .string("VALID"), "pads": .ints([3, 3, 3, 3])])
        XCTAssertEqual(valid.shape, [1, 3, 5, 5])
        H.assertClose(valid.floats, try H.run1("Conv", [x, w]).floats)
    }

    func testConvOtherFloatTypes() throws {
        var rng = SeededValues(12)
        let x = rng.tensor([1, 2, 5, 5]), w = rng.tensor([2, 2, 3, 3])
        let f32 = try H.run1("Conv", [x, w], ["pads": .ints([1, 1, 1, 1])])
        let f64 = try H.run1("Conv", [x.converted(to: .float64), w.converted(to: .float64)], ["pads": .ints([1, 1, 1, 1])])
        XCTAssertEqual(f64.dtype, .float64)
        H.assertClose(f64.floats, f32.floats)
        let f16 = try H.run1("Conv", [x.converted(to: .float16), w.converted(to: .float16)], ["pads": .ints([1, 1, 1, 1])])
        XCTAssertEqual(f16.dtype, .float16)
        H.assertClose(f16.floats, f32.floats, tolerance: 1e-2)
    }

    func testConvRejectsInconsistentShapes() {
        let x = Tensor(zeros: [1, 3, 5, 5]), w = Tensor(zeros: [2, 2, 3, 3])
        XCTAssertThrowsError(try H.run1("Conv", [x, w])) { XCTAssert("\($0)".contains("input channels 3"), "\($0)") }
        XCTAssertThrowsError(try H.run1("Conv", [x, Tensor(zeros: [2, 3, 3, 3])], ["kernel_shape": .ints([2, 2])]))
        XCTAssertThrowsError(try H.run1("Conv", [x, Tensor(zeros: [2, 3, 7, 7])]))
        XCTAssertThrowsError(try H.run1("Conv", [x, Tensor(zeros: [2, 3, 3, 3]), Tensor(zeros: [3])]))
        XCTAssertThrowsError(try H.run1("Conv", [x, Tensor(zeros: [2, 3, 3, 3])], ["pads": .ints([1, 1])]))
        XCTAssertThrowsError(try H.run1("Conv", [x, Tensor(zeros: [2, 3, 3, 3])], ["auto_pad": .string("SAME")]))
        XCTAssertThrowsError(try H.run1("Conv", [Tensor(zeros: [1, 3, 5, 5], dtype: .int32), Tensor(zeros: [2, 3, 3, 3], dtype: .int32)]))
    }

    // MARK: ConvTranspose

    func testConvTransposeHandComputed() throws {
        // ONNX's 1-D example: x = [0, 1, 2], two output channels of ones(3): overlapping
        // windows give 0, 0+1, 0+1+2, 1+2, 2.
        let y = try H.run1("ConvTranspose", [Tensor(shape: [1, 1, 3], floats: [0, 1, 2]),
                                             Tensor(shape: [1, 2, 3], floats: [Float](repeating: 1, count: 6))])
        XCTAssertEqual(y.shape, [1, 2, 5])
        XCTAssertEqual(y.floats, [0, 1, 3, 3, 2, 0, 1, 3, 3, 2])
    }

    func testConvTransposeRandom() throws {
        try check(Case(x: [2, 4, 3, 4], w: [4, 3, 3, 2], group: 2, strides: [2, 3], dilations: [1, 2], pads: [1, 0, 0, 2],
                       outputPadding: [1, 0], bias: true), transposed: true, seed: 20)
        try check(Case(x: [1, 2, 4, 4], w: [2, 3, 3, 3], strides: [2, 2], pads: [1, 1, 1, 1]), transposed: true, seed: 21)
        try check(Case(x: [2, 3, 5], w: [3, 2, 4], strides: [3], dilations: [2], outputPadding: [2], bias: true),
                  transposed: true, seed: 22)
        try check(Case(x: [1, 2, 3, 2, 3], w: [2, 2, 2, 3, 2], strides: [2, 1, 2], pads: [0, 1, 0, 1, 0, 0]),
                  transposed: true, seed: 23)
        // Pointwise fast path.
        try check(Case(x: [2, 4, 3, 3], w: [4, 3, 1, 1], bias: true), transposed: true, seed: 24)
    }

    func testConvTransposeOutputShapeAndAutoPad() throws {
        var rng = SeededValues(25)
        let x = rng.tensor([1, 1, 3, 3]), w = rng.tensor([1, 2, 3, 3])
        // Full output 2·(3−1)+3 = 7 per axis. output_shape 6 → total padding 1, NOTSET puts it
        // at the beginning; SAME_UPPER (and its default output_shape 3·2 = 6) at the end.
        let notSet = try H.run1("ConvTranspose", [x, w], ["strides": .ints([2, 2]), "output_shape": .ints([6, 6])])
        H.assertClose(notSet.floats, try H.run1("ConvTranspose", [x, w], ["strides": .ints([2, 2]), "pads": .ints([1, 1, 0, 0])]).floats)
        let upper = try H.run1("ConvTranspose", [x, w], ["strides": .ints([2, 2]), "auto_pad": .string("SAME_UPPER")])
        XCTAssertEqual(upper.shape, [1, 2, 6, 6])
        H.assertClose(upper.floats, try H.run1("ConvTranspose", [x, w], ["strides": .ints([2, 2]), "pads": .ints([0, 0, 1, 1])]).floats)
        // output_shape larger than the full result (8 vs 7, 9 vs 7): the extra rows and columns
        // are zero, appended at the end (as onnxruntime and ONNX's reference do).
        let larger = try H.run1("ConvTranspose", [x, w], ["strides": .ints([2, 2]), "output_shape": .ints([8, 9])])
        XCTAssertEqual(larger.shape, [1, 2, 8, 9])
        let full = try H.run1("ConvTranspose", [x, w], ["strides": .ints([2, 2])]).floats
        let l = larger.floats
        for ch in 0..<2 {
            for i in 0..<8 {
                for j in 0..<9 {
                    let want: Float = i < 7 && j < 7 ? full[(ch * 7 + i) * 7 + j] : 0
                    XCTAssertEqual(l[(ch * 8 + i) * 9 + j], want, "[\(ch), \(i), \(j)]")
                }
            }
        }
    }

    func testConvTransposeRejectsInconsistentShapes() {
        XCTAssertThrowsError(try H.run1("ConvTranspose", [Tensor(zeros: [1, 3, 4, 4]), Tensor(zeros: [2, 2, 3, 3])]))
        XCTAssertThrowsError(try H.run1("ConvTranspose", [Tensor(zeros: [1, 2, 4, 4]), Tensor(zeros: [2, 2, 3, 3]), Tensor(zeros: [3])]))
        XCTAssertThrowsError(try H.run1("ConvTranspose", [Tensor(zeros: [1, 2, 4, 4]), Tensor(zeros: [2, 2, 3, 3])],
                                        ["output_shape": .ints([5])]))
    }

    func testGeometryIsSharedAndExplicit() throws {
        // Weight dimension 1 (2) × group 1 ≠ 4 input channels: rejected.
        XCTAssertThrowsError(try ConvGeometry(node: Node(opType: "Conv", inputs: [], outputs: []), input: [1, 4, 10],
                                              weight: [6, 2, 3], transposed: false))
        let grouped = Node(opType: "Conv", inputs: ["x", "w"], outputs: ["y"],
                           attributes: ["auto_pad": .string("SAME_LOWER"), "strides": .ints([2]), "dilations": .ints([2]), "group": .int(2)])
        let geo = try ConvGeometry(node: grouped, input: [1, 4, 10], weight: [6, 2, 3], transposed: false)
        // out = ceil(10/2) = 5; dilated kernel 5; total = 4·2 + 5 − 10 = 3 → SAME_LOWER 2 before, 1 after.
        XCTAssertEqual(geo.outputShape, [1, 6, 5])
        XCTAssertEqual(geo.padsBegin, [2])
        XCTAssertEqual(geo.padsEnd, [1])
        XCTAssertEqual(geo.inChannelsPerGroup, 2)
        XCTAssertEqual(geo.outChannelsPerGroup, 3)
    }
}
