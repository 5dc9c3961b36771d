import XCTest
@testable import Runtime

final class PoolOpsTests: XCTestCase {
    typealias H = NumericOpsHarness

    enum Mode { case max, average, averageIncludingPad, l2 }

    /// Direct pooling over explicit pads; with ceil_mode the last window must start inside
    /// the input or its begin padding. Returns values, row-major argmax indices, shape.
    static func naivePool(_ mode: Mode, _ x: [Float], _ shape: [Int], kernel: [Int], strides: [Int], dilations: [Int],
                          pads: [Int], ceil: Bool = false) -> ([Float], [Int], [Int]) {
        let r = kernel.count
        var out: [Int] = []
        for i in 0..<r {
            let span: Int = shape[2 + i] + pads[i] + pads[r + i] - (kernel[i] - 1) * dilations[i] - 1
            var o = (ceil ? (span + strides[i] - 1) / strides[i] : span / strides[i]) + 1
            if ceil && (o - 1) * strides[i] >= shape[2 + i] + pads[i] { o -= 1 }
            out.append(o)
        }
        let yShape = Array(shape[0..<2]) + out
        var y = [Float](repeating: 0, count: yShape.reduce(1, *)), arg = [Int](repeating: -1, count: y.count)
        for yi in 0..<y.count {
            let yc = H.coords(yi, yShape)
            var best = -Float.infinity, sum: Float = 0, valid = 0, padded = 0
            for ki in 0..<kernel.reduce(1, *) {
                let kc = H.coords(ki, kernel)
                var pos: [Int] = [], inside = true, inPad = true
                for i in 0..<r {
                    let p = yc[2 + i] * strides[i] - pads[i] + kc[i] * dilations[i]
                    pos.append(p)
                    if p < 0 || p >= shape[2 + i] { inside = false }
                    if p < -pads[i] || p >= shape[2 + i] + pads[r + i] { inPad = false }
                }
                if inPad { padded += 1 }
                guard inside else { continue }
                let xi = H.flat(Array(yc[0..<2]) + pos, shape)
                let v = x[xi]
                valid += 1
                sum += mode == .l2 ? v * v : v
                if v > best { best = v; arg[yi] = xi }
            }
            switch mode {
            case .max: y[yi] = best
            case .average: y[yi] = sum / Float(valid)
            case .averageIncludingPad: y[yi] = sum / Float(padded)
            case .l2: y[yi] = sum.squareRoot()
            }
        }
        return (y, arg, yShape)
    }

    func check(_ mode: Mode, _ shape: [Int], kernel: [Int], strides: [Int]? = nil, dilations: [Int]? = nil, pads: [Int]? = nil,
               ceil: Bool = false, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = SeededValues(seed)
        let x = rng.floats(shape.reduce(1, *))
        let r = kernel.count
        let s = strides ?? [Int](repeating: 1, count: r), d = dilations ?? [Int](repeating: 1, count: r)
        let p = pads ?? [Int](repeating: 0, count: 2 * r)
        let (want, wantArg, wantShape) = Self.naivePool(mode, x, shape, kernel: kernel, strides: s, dilations: d, pads: p, ceil: ceil)
        var attrs: [String: Attribute] = ["kernel_shape": .ints(kernel), "ceil_mode": .int(ceil ? 1 : 0)]
        if let strides { attrs["strides"] = .ints(strides) }
        if let dilations { attrs["dilations"] = .ints(dilations) }
        if let pads { attrs["pads"] = .ints(pads) }
        let op: String
        switch mode {
        case .max: op = "MaxPool"
        case .average: op = "AveragePool"
        case .averageIncludingPad: op = "AveragePool"; attrs["count_include_pad"] = .int(1)
        case .l2: op = "LpPool"; attrs["p"] = .int(2)
        }
        let outs = try H.run(op, [Tensor(shape: shape, floats: x)], attrs, outputs: mode == .max ? 2 : 1, opset: 19)
        XCTAssertEqual(outs[0].shape, wantShape, "shape", file: file, line: line)
        H.assertClose(outs[0].floats, want, "\(op) \(attrs)", file: file, line: line)
        if mode == .max { XCTAssertEqual(outs[1].ints, wantArg, "indices", file: file, line: line) }
    }

    func testMaxPoolHandComputedWithIndices() throws {
        // 4×4 ramp 1…16, 2×2 windows, stride 2: each window's bottom-right element wins.
        let x = Tensor(shape: [1, 1, 4, 4], floats: (1...16).map(Float.init))
        let attrs: [String: Attribute] = ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])]
        let rowMajor = try H.run("MaxPool", [x], attrs, outputs: 2)
        XCTAssertEqual(rowMajor[0].floats, [6, 8, 14, 16])
        XCTAssertEqual(rowMajor[1].dtype, .int64)
        XCTAssertEqual(rowMajor[1].ints, [5, 7, 13, 15])
        // Column major: (h, w) → h + 4·w, i.e. (1,1) → 5, (1,3) → 13, (3,1) → 7, (3,3) → 15.
        var colAttrs = attrs
        colAttrs["storage_order"] = .int(1)
        XCTAssertEqual(try H.run("MaxPool", [x], colAttrs, outputs: 2)[1].ints, [5, 13, 7, 15])
        // Without a second output only Y is produced.
        XCTAssertEqual(try H.run("MaxPool", [x], attrs, outputs: 1).count, 1)
    }

    func testCeilModeHandComputed() throws {
        // ONNX's ceil examples: 4×4 ramp, 3×3 windows, stride 2 → 2×2 with clipped windows.
        let x = Tensor(shape: [1, 1, 4, 4], floats: (1...16).map(Float.init))
        let attrs: [String: Attribute] = ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "ceil_mode": .int(1)]
        XCTAssertEqual(try H.run1("MaxPool", [x], attrs).floats, [11, 12, 15, 16])
        XCTAssertEqual(try H.run1("AveragePool", [x], attrs).floats, [6, 7.5, 12, 13.5])
        // 2×2 input, 1×1 kernel, stride 2: ceil gives 2, but the second window would start
        // past the input, so the output is 1×1.
        let small = try H.run1("MaxPool", [Tensor(shape: [1, 1, 2, 2], floats: [1, 2, 3, 4])],
                               ["kernel_shape": .ints([1, 1]), "strides": .ints([2, 2]), "ceil_mode": .int(1)])
        XCTAssertEqual(small.shape, [1, 1, 1, 1])
        XCTAssertEqual(small.floats, [1])
    }

    func testMaxPoolRandom() throws {
        try check(.max, [2, 3, 7, 8], kernel: [3, 2], strides: [2, 3], dilations: [2, 1], pads: [1, 0, 2, 1], seed: 1)
        try check(.max, [1, 2, 9, 9], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil: true, seed: 2)
        try check(.max, [2, 2, 13], kernel: [4], strides: [3], dilations: [2], pads: [2, 1], ceil: true, seed: 3)
        try check(.max, [1, 2, 5, 4, 6], kernel: [2, 3, 2], strides: [2, 1, 2], pads: [1, 1, 0, 0, 1, 1], seed: 4)
    }

    func testAveragePoolRandom() throws {
        for mode in [Mode.average, .averageIncludingPad] {
            try check(mode, [2, 3, 7, 8], kernel: [3, 2], strides: [2, 3], pads: [1, 0, 2, 1], seed: 5)
            try check(mode, [1, 2, 9, 9], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil: true, seed: 6)
            try check(mode, [2, 2, 13], kernel: [4], strides: [3], dilations: [2], pads: [2, 1], seed: 7)
            try check(mode, [1, 2, 5, 4, 6], kernel: [2, 3, 2], strides: [2, 1, 2], pads: [1, 1, 0, 0, 1, 1], seed: 8)
        }
    }

    func testLpPoolRandom() throws {
        try check(.l2, [2, 3, 6, 7], kernel: [3, 2], strides: [2, 2], pads: [1, 0, 1, 1], seed: 9)
    }

    func testAutoPad() throws {
        var rng = SeededValues(10)
        let x = rng.tensor([1, 2, 5, 6])
        // Kernel 2×3, stride 2: output 3×3; totals (3−1)·2+2−5 = 1 and (3−1)·2+3−6 = 1.
        let base: [String: Attribute] = ["kernel_shape": .ints([2, 3]), "strides": .ints([2, 2])]
        func run(_ extra: [String: Attribute], _ op: String = "AveragePool") throws -> Tensor {
            try H.run1(op, [x], base.merging(extra) { $1 })
        }
        let upper = try run(["auto_pad": .string("SAME_UPPER"), "count_include_pad": .int(1)])
        XCTAssertEqual(upper.shape, [1, 2, 3, 3])
        H.assertClose(upper.floats, try run(["pads": .ints([0, 0, 1, 1]), "count_include_pad": .int(1)]).floats)
        let lower = try run(["auto_pad": .string("SAME_LOWER")], "MaxPool")
        H.assertClose(lower.floats, try run(["pads": .ints([1, 1, 0, 0])], "MaxPool").floats)
        let valid = try run(["auto_pad": .string("VALID")], "MaxPool")
        XCTAssertEqual(valid.shape, [1, 2, 2, 2])
    }

    func testGlobalPools() throws {
        let x = Tensor(shape: [1, 2, 2, 2], floats: [1, 2, 3, 6, -1, -2, -3, -4])
        let avg = try H.run1("GlobalAveragePool", [x])
        XCTAssertEqual(avg.shape, [1, 2, 1, 1])
        XCTAssertEqual(avg.floats, [3, -2.5])
        XCTAssertEqual(try H.run1("GlobalMaxPool", [x]).floats, [6, -1])
        // √(1+4+9+36) = √50, √(1+4+9+16) = √30
        H.assertClose(try H.run1("GlobalLpPool", [x]).floats, [Float(50).squareRoot(), Float(30).squareRoot()])
        XCTAssertEqual(try H.run1("GlobalAveragePool", [x.converted(to: .float64)]).doubles, [3, -2.5])
    }

    func testOtherElementTypes() throws {
        let x = Tensor(shape: [1, 1, 2, 3], values: [UInt8(3), 250, 7, 9, 1, 255])
        let y = try H.run1("MaxPool", [x], ["kernel_shape": .ints([2, 2])])
        XCTAssertEqual(y.dtype, .uint8)
        XCTAssertEqual(y.toArray(UInt8.self), [250, 255])
        let f16 = try H.run1("AveragePool", [x.converted(to: .float16)], ["kernel_shape": .ints([2, 2])])
        XCTAssertEqual(f16.dtype, .float16)
        XCTAssertEqual(f16.floats, [(3 + 250 + 9 + 1) / 4, (250 + 7 + 1 + 255) / 4].map { Float(Float16($0 as Float)) })
        XCTAssertThrowsError(try H.run1("AveragePool", [x], ["kernel_shape": .ints([2, 2])]))
    }

    func testRejectsBadAttributes() {
        let x = Tensor(zeros: [1, 1, 4, 4])
        XCTAssertThrowsError(try H.run1("MaxPool", [x], [:]))
        XCTAssertThrowsError(try H.run1("MaxPool", [x], ["kernel_shape": .ints([2])]))
        XCTAssertThrowsError(try H.run1("MaxPool", [x], ["kernel_shape": .ints([5, 5])]))
        XCTAssertThrowsError(try H.run1("MaxPool", [x], ["kernel_shape": .ints([2, 2]), "strides": .ints([0, 1])]))
        XCTAssertThrowsError(try H.run1("MaxPool", [x], ["kernel_shape": .ints([2, 2]), "storage_order": .int(2)]))
        XCTAssertThrowsError(try H.run1("MaxPool", [Tensor(zeros: [1, 1, 2, 2, 2, 2])], ["kernel_shape": .ints([1, 1, 1, 1])]))
    }
}
