import XCTest
@testable import Runtime

final class NormalizationOpsTests: XCTestCase {
    typealias H = NumericOpsHarness

    /// Mean and population variance of `values`, in Double.
    static func moments(_ values: [Float]) -> (Double, Double) {
        let m = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        let v = values.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) } / Double(values.count)
        return (m, v)
    }

    /// Elements of channel `c` across the batch and spatial positions of an [N, C, P…] array.
    static func channel(_ x: [Float], _ shape: [Int], _ c: Int) -> [Float] {
        (0..<x.count).filter { H.coords($0, shape)[1] == c }.map { x[$0] }
    }

    func testBatchNormalizationHandComputed() throws {
        // x = [-1, 0, 1] per channel; scale [1, 1.5], B [0, 1], mean 0, var 1, epsilon 0:
        // channel 0 is unchanged, channel 1 becomes 1.5·x + 1.
        let x = Tensor(shape: [1, 2, 1, 3], floats: [-1, 0, 1, -1, 0, 1])
        let y = try H.run1("BatchNormalization", [x, Tensor(shape: [2], floats: [1, 1.5]), Tensor(shape: [2], floats: [0, 1]),
                                                  Tensor(shape: [2], floats: [0, 0]), Tensor(shape: [2], floats: [1, 1])],
                           ["epsilon": .float(0)], opset: 15)
        XCTAssertEqual(y.floats, [-1, 0, 1, -0.5, 1, 2.5])
    }

    func testBatchNormalizationInference() throws {
        var rng = SeededValues(1)
        let shape = [2, 3, 4, 5]
        let x = rng.floats(120), scale = rng.floats(3), bias = rng.floats(3), mean = rng.floats(3)
        let variance = rng.floats(3).map { abs($0) + 0.1 }
        let y = try H.run1("BatchNormalization", [Tensor(shape: shape, floats: x), Tensor(shape: [3], floats: scale),
                                                  Tensor(shape: [3], floats: bias), Tensor(shape: [3], floats: mean),
                                                  Tensor(shape: [3], floats: variance)], ["epsilon": .float(1e-3)], opset: 9)
        let want = (0..<120).map { i -> Float in
            let c = H.coords(i, shape)[1]
            return (x[i] - mean[c]) / (variance[c] + 1e-3).squareRoot() * scale[c] + bias[c]
        }
        H.assertClose(y.floats, want)
    }

    func testBatchNormalizationOpset7NonSpatial() throws {
        // spatial = 0: one parameter per (channel, position), here 2×2 = 4 of each.
        let x = Tensor(shape: [2, 2, 2], floats: [1, 2, 3, 4, 5, 6, 7, 8])
        let p = { (v: [Float]) in Tensor(shape: [2, 2], floats: v) }
        let y = try H.run1("BatchNormalization", [x, p([1, 2, 3, 4]), p([0, 0, 0, 1]), p([1, 1, 1, 1]), p([1, 1, 1, 1])],
                           ["spatial": .int(0), "epsilon": .float(0)], opset: 7)
        // (x − 1)·scale + B elementwise over the 4 positions of each image.
        XCTAssertEqual(y.floats, [0, 2, 6, 13, 4, 10, 18, 29])
    }

    func testBatchNormalizationTrainingMode() throws {
        var rng = SeededValues(2)
        let shape = [3, 2, 4]
        let x = rng.floats(24), scale: [Float] = [1.5, -0.5], bias: [Float] = [0.25, 1]
        let mean: [Float] = [0.5, -0.5], variance: [Float] = [2, 0.5]
        let outs = try H.run("BatchNormalization",
                             [Tensor(shape: shape, floats: x), Tensor(shape: [2], floats: scale), Tensor(shape: [2], floats: bias),
                              Tensor(shape: [2], floats: mean), Tensor(shape: [2], floats: variance)],
                             ["training_mode": .int(1), "momentum": .float(0.8), "epsilon": .float(1e-5)], outputs: 3, opset: 15)
        XCTAssertEqual(outs.count, 3)
        var want = [Float](repeating: 0, count: 24)
        for c in 0..<2 {
            let (m, v) = Self.moments(Self.channel(x, shape, c))
            for i in 0..<24 where H.coords(i, shape)[1] == c {
                want[i] = Float((Double(x[i]) - m) / (v + 1e-5).squareRoot()) * scale[c] + bias[c]
            }
            H.assertClose([outs[1].floats[c]], [Float(Double(mean[c]) * 0.8 + m * 0.2)], "running mean")
            H.assertClose([outs[2].floats[c]], [Float(Double(variance[c]) * 0.8 + v * 0.2)], "running var")
        }
        H.assertClose(outs[0].floats, want)
    }

    func testBatchNormalizationRejectsWrongParameterSize() {
        let x = Tensor(zeros: [1, 3, 2])
        let p2 = Tensor(zeros: [2])
        XCTAssertThrowsError(try H.run1("BatchNormalization", [x, p2, p2, p2, p2])) { XCTAssert("\($0)".contains("3 values"), "\($0)") }
        XCTAssertThrowsError(try H.run1("BatchNormalization", [Tensor(zeros: [1, 2, 2], dtype: .int32), p2, p2, p2, p2]))
    }

    func testInstanceNormalization() throws {
        var rng = SeededValues(3)
        let shape = [2, 3, 5]
        let x = rng.floats(30), scale = rng.floats(3), bias = rng.floats(3)
        let y = try H.run1("InstanceNormalization", [Tensor(shape: shape, floats: x), Tensor(shape: [3], floats: scale),
                                                     Tensor(shape: [3], floats: bias)], ["epsilon": .float(1e-2)])
        var want = [Float](repeating: 0, count: 30)
        for row in 0..<6 {
            let (m, v) = Self.moments(Array(x[row * 5..<(row + 1) * 5]))
            for i in 0..<5 { want[row * 5 + i] = Float((Double(x[row * 5 + i]) - m) / (v + 1e-2).squareRoot()) * scale[row % 3] + bias[row % 3] }
        }
        H.assertClose(y.floats, want)
        let f64 = try H.run1("InstanceNormalization", [Tensor(shape: shape, floats: x).converted(to: .float64),
                                                       Tensor(shape: [3], floats: scale).converted(to: .float64),
                                                       Tensor(shape: [3], floats: bias).converted(to: .float64)], ["epsilon": .float(1e-2)])
        H.assertClose(f64.floats, want)
    }

    func testLRN() throws {
        var rng = SeededValues(4)
        let shape = [2, 5, 2, 3]
        let x = rng.floats(60)
        for size in [1, 2, 3, 4] {
            let y = try H.run1("LRN", [Tensor(shape: shape, floats: x)],
                               ["size": .int(size), "alpha": .float(0.2), "beta": .float(0.6), "bias": .float(1.5)])
            let want = (0..<60).map { i -> Float in
                let c = H.coords(i, shape)
                var sq: Float = 0
                // Channels c − ⌊(size−1)/2⌋ … c + ⌈(size−1)/2⌉.
                for j in (c[1] - (size - 1) / 2)...(c[1] + size / 2) where j >= 0 && j < 5 {
                    let v = x[H.flat([c[0], j, c[2], c[3]], shape)]
                    sq += v * v
                }
                return x[i] / pow(1.5 + 0.2 / Float(size) * sq, 0.6)
            }
            H.assertClose(y.floats, want, "size \(size)")
        }
    }

    func testLayerNormalization() throws {
        var rng = SeededValues(5)
        let shape = [2, 3, 4]
        let x = rng.floats(24), scale = rng.floats(12), bias = rng.floats(4)
        // axis 1: normalize each image's 3×4 block; scale [3, 4], B [4] broadcast over it.
        let outs = try H.run("LayerNormalization", [Tensor(shape: shape, floats: x), Tensor(shape: [3, 4], floats: scale),
                                                    Tensor(shape: [4], floats: bias)],
                             ["axis": .int(1), "epsilon": .float(1e-3)], outputs: 3, opset: 17)
        var want = [Float](repeating: 0, count: 24), means: [Float] = [], inv: [Float] = []
        for n in 0..<2 {
            let (m, v) = Self.moments(Array(x[n * 12..<(n + 1) * 12]))
            means.append(Float(m))
            inv.append(Float(1 / (v + 1e-3).squareRoot()))
            for i in 0..<12 { want[n * 12 + i] = Float((Double(x[n * 12 + i]) - m)) * inv[n] * scale[i] + bias[i % 4] }
        }
        H.assertClose(outs[0].floats, want)
        XCTAssertEqual(outs[1].shape, [2, 1, 1])
        H.assertClose(outs[1].floats, means)
        H.assertClose(outs[2].floats, inv)
        // Default axis −1 without B.
        let last = try H.run1("LayerNormalization", [Tensor(shape: shape, floats: x), Tensor(shape: [4], floats: [1, 1, 1, 1])])
        let (m, v) = Self.moments(Array(x[0..<4]))
        H.assertClose(Array(last.floats[0..<4]), x[0..<4].map { Float((Double($0) - m) / (v + 1e-5).squareRoot()) })
        XCTAssertThrowsError(try H.run1("LayerNormalization", [Tensor(shape: shape, floats: x), Tensor(zeros: [3])]))
    }

    func testGroupNormalization() throws {
        var rng = SeededValues(6)
        let shape = [2, 4, 3]
        let x = rng.floats(24), scale = rng.floats(2), bias = rng.floats(2)
        let y = try H.run1("GroupNormalization", [Tensor(shape: shape, floats: x), Tensor(shape: [2], floats: scale),
                                                  Tensor(shape: [2], floats: bias)], ["num_groups": .int(2)], opset: 18)
        // Groups of 2 channels × 3 positions = 6 consecutive elements.
        var want = [Float](repeating: 0, count: 24)
        for g in 0..<4 {
            let (m, v) = Self.moments(Array(x[g * 6..<(g + 1) * 6]))
            for i in 0..<6 { want[g * 6 + i] = Float((Double(x[g * 6 + i]) - m) / (v + 1e-5).squareRoot()) * scale[g % 2] + bias[g % 2] }
        }
        H.assertClose(y.floats, want)
    }

    func testMeanVarianceNormalization() throws {
        var rng = SeededValues(7)
        let shape = [2, 3, 2, 2]
        let x = rng.floats(24)
        let y = try H.run1("MeanVarianceNormalization", [Tensor(shape: shape, floats: x)])
        // Default axes [0, 2, 3]: per-channel moments; y = (x − mean) / (std + 1e-9).
        var want = [Float](repeating: 0, count: 24)
        for c in 0..<3 {
            let (m, v) = Self.moments(Self.channel(x, shape, c))
            for i in 0..<24 where H.coords(i, shape)[1] == c { want[i] = Float((Double(x[i]) - m) / (v.squareRoot() + 1e-9)) }
        }
        H.assertClose(y.floats, want)
    }
}
