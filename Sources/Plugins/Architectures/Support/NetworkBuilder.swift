import Runtime

/// Builds an architecture's graph layer by layer with PyTorch-style parameter names
/// (`layer1.conv.weight`), binding weights through a `WeightBinder`, and names the outputs of
/// layers (the cut points of layer inversion) exactly. Graphs are NCHW, float32, opset 17.
public struct NetworkBuilder {
    public static let opset = 17
    public private(set) var b: GraphBuilder
    public var weights: WeightBinder

    public init(name: String, weights: WeightBinder) {
        self.b = GraphBuilder(Graph(name: name), opset: Self.opset, prefix: name)
        self.weights = weights
    }

    public var graph: Graph { b.graph }

    // MARK: - Graph plumbing

    /// Declares a runtime input; dims given as nil are symbolic (the batch).
    public mutating func input(_ name: String, shape: [Int?]) -> String {
        let dims: [Dim] = shape.enumerated().map { i, d in d.map(Dim.fixed) ?? .symbolic(i == 0 ? "N" : "d\(i)") }
        b.graph.inputs.append(ValueInfo(name: name, dtype: .float32, shape: dims))
        return name
    }

    /// A trainable/loadable parameter stored as an initializer under exactly `name`.
    public mutating func parameter(_ name: String, shape: [Int], _ initializer: ParameterInit) -> String {
        b.graph.setInitializer(name, weights.parameter(name, shape: shape, initializer: initializer))
        return name
    }

    /// A buffer stored as an initializer under exactly `name` (see `WeightBinder.buffer`).
    public mutating func buffer(_ name: String, shape: [Int], _ initializer: ParameterInit) -> String {
        b.graph.setInitializer(name, weights.buffer(name, shape: shape, initializer: initializer))
        return name
    }

    /// A fixed constant (not a parameter).
    public mutating func constant(_ t: Tensor, _ hint: String = "const") -> String { b.constant(t, hint) }

    @discardableResult
    public mutating func op(_ type: String, _ inputs: [String], _ attributes: [String: Attribute] = [:]) -> String {
        b.add(type, inputs, attributes)
    }

    /// Gives the value `v` the public name `name` (a named layer output / cut point).
    @discardableResult
    public mutating func name(_ v: String, _ name: String) -> String {
        for i in b.graph.nodes.indices {
            b.graph.nodes[i].outputs = b.graph.nodes[i].outputs.map { $0 == v ? name : $0 }
            b.graph.nodes[i].inputs = b.graph.nodes[i].inputs.map { $0 == v ? name : $0 }
            if b.graph.nodes[i].name == v { b.graph.nodes[i].name = name }
        }
        return name
    }

    public mutating func output(_ v: String) { b.output(v) }

    /// The finished model and how the checkpoint matched.
    public mutating func finish(metadata: [String: String] = [:]) -> (model: Model, report: WeightReport) {
        let report = weights.finish()
        return (Model(graph: b.graph, opsetImports: ["": Self.opset], metadata: metadata), report)
    }

    // MARK: - Layers with parameters

    public mutating func conv(_ x: String, _ prefix: String, in cin: Int, out cout: Int, kernel k: Int,
                              stride: Int = 1, pad: Int = 0, dilation: Int = 1, groups: Int = 1,
                              bias: Bool = true, weightInit: ParameterInit? = nil) -> String {
        let fanIn = cin / groups * k * k
        let w = parameter("\(prefix).weight", shape: [cout, cin / groups, k, k], weightInit ?? .kaimingNormal(fanIn: fanIn))
        var inputs = [x, w]
        if bias { inputs.append(parameter("\(prefix).bias", shape: [cout], .zeros)) }
        return op("Conv", inputs, ["kernel_shape": .ints([k, k]), "strides": .ints([stride, stride]),
                                   "pads": .ints([pad, pad, pad, pad]), "dilations": .ints([dilation, dilation]),
                                   "group": .int(groups)])
    }

    public mutating func convTranspose(_ x: String, _ prefix: String, in cin: Int, out cout: Int, kernel k: Int,
                                       stride: Int = 1, pad: Int = 0, bias: Bool = true) -> String {
        let w = parameter("\(prefix).weight", shape: [cin, cout, k, k], .kaimingNormal(fanIn: cin * k * k))
        var inputs = [x, w]
        if bias { inputs.append(parameter("\(prefix).bias", shape: [cout], .zeros)) }
        return op("ConvTranspose", inputs, ["kernel_shape": .ints([k, k]), "strides": .ints([stride, stride]),
                                            "pads": .ints([pad, pad, pad, pad])])
    }

    /// BatchNorm2d in inference form with PyTorch's names (weight, bias, running_mean, running_var).
    public mutating func batchNorm(_ x: String, _ prefix: String, channels c: Int, epsilon: Float = 1e-5) -> String {
        let inputs = [x, parameter("\(prefix).weight", shape: [c], .ones), parameter("\(prefix).bias", shape: [c], .zeros),
                      parameter("\(prefix).running_mean", shape: [c], .zeros), parameter("\(prefix).running_var", shape: [c], .ones)]
        weights.acknowledge("\(prefix).num_batches_tracked") // a training counter, present in PyTorch state dicts
        return op("BatchNormalization", inputs, ["epsilon": .float(epsilon)])
    }

    /// nn.Linear on (N, in): y = x Wᵀ + b.
    public mutating func linear(_ x: String, _ prefix: String, in cin: Int, out cout: Int, bias: Bool = true,
                                weightInit: ParameterInit? = nil) -> String {
        var inputs = [x, parameter("\(prefix).weight", shape: [cout, cin], weightInit ?? .kaimingNormal(fanIn: cin))]
        if bias { inputs.append(parameter("\(prefix).bias", shape: [cout], .zeros)) }
        return op("Gemm", inputs, ["transB": .int(1)])
    }

    // MARK: - Parameter-free layers

    public mutating func relu(_ x: String) -> String { op("Relu", [x]) }
    public mutating func leakyRelu(_ x: String, _ alpha: Float = 0.2) -> String { op("LeakyRelu", [x], ["alpha": .float(alpha)]) }
    public mutating func tanh(_ x: String) -> String { op("Tanh", [x]) }
    public mutating func sigmoid(_ x: String) -> String { op("Sigmoid", [x]) }
    public mutating func add(_ x: String, _ y: String) -> String { op("Add", [x, y]) }
    public mutating func mul(_ x: String, _ y: String) -> String { op("Mul", [x, y]) }

    /// Hardtanh(min, max) as Clip with constant bounds.
    public mutating func clip(_ x: String, min lo: Float, max hi: Float) -> String {
        op("Clip", [x, constant(Tensor(scalar: lo), "min"), constant(Tensor(scalar: hi), "max")])
    }

    public mutating func concat(_ xs: [String], axis: Int = 1) -> String { op("Concat", xs, ["axis": .int(axis)]) }

    /// x / sqrt(mean over channels of x² + ε) (ProGAN's PixelNorm).
    public mutating func pixelNorm(_ x: String, epsilon: Float = 1e-8) -> String {
        let sq = op("Mul", [x, x])
        let mean = b.reduce("ReduceMean", sq, axes: [1], keepdims: true)
        let root = op("Sqrt", [op("Add", [mean, constant(Tensor(scalar: epsilon), "eps")])])
        return op("Div", [x, root])
    }

    /// Nearest-neighbour upsampling by an integer factor (nn.Upsample(scale_factor:, mode: 'nearest')).
    public mutating func upsampleNearest(_ x: String, scale: Int = 2) -> String {
        let scales = constant(Tensor(shape: [4], floats: [1, 1, Float(scale), Float(scale)]), "scales")
        return op("Resize", [x, "", scales], ["mode": .string("nearest"), "nearest_mode": .string("floor"),
                                               "coordinate_transformation_mode": .string("asymmetric")])
    }

    /// Bilinear resize to the spatial size of `like` (F.interpolate(…, mode='bilinear', align_corners=False)).
    public mutating func resizeBilinear(_ x: String, toSizeOf like: String) -> String {
        resizeBilinear(x, spatial: shapeSlice(like, 2..<4))
    }

    /// Bilinear resize to a fixed size (align_corners=False).
    public mutating func resizeBilinear(_ x: String, height: Int, width: Int) -> String {
        resizeBilinear(x, spatial: constant(Tensor(shape: [2], int64s: [Int64(height), Int64(width)]), "hw"))
    }

    /// Resize to (N, C) of `x` followed by the [H, W] value `spatial`.
    private mutating func resizeBilinear(_ x: String, spatial: String) -> String {
        let sizes = op("Concat", [shapeSlice(x, 0..<2), spatial], ["axis": .int(0)])
        return op("Resize", [x, "", "", sizes], ["mode": .string("linear"),
                                                  "coordinate_transformation_mode": .string("half_pixel")])
    }

    /// Dimensions `dims` of `v`'s runtime shape, as an int64 vector.
    private mutating func shapeSlice(_ v: String, _ dims: Range<Int>) -> String {
        op("Slice", [op("Shape", [v]), constant(Tensor(shape: [1], int64s: [Int64(dims.lowerBound)]), "start"),
                     constant(Tensor(shape: [1], int64s: [Int64(dims.upperBound)]), "end")])
    }

    public mutating func maxPool(_ x: String, kernel k: Int, stride s: Int, pad p: Int = 0) -> String {
        op("MaxPool", [x], ["kernel_shape": .ints([k, k]), "strides": .ints([s, s]), "pads": .ints([p, p, p, p])])
    }

    public mutating func averagePool(_ x: String, kernel k: Int, stride s: Int, pad p: Int = 0) -> String {
        op("AveragePool", [x], ["kernel_shape": .ints([k, k]), "strides": .ints([s, s]), "pads": .ints([p, p, p, p])])
    }

    public mutating func globalAveragePool(_ x: String) -> String { op("GlobalAveragePool", [x]) }

    /// Reshape to a fixed shape (0 copies the input's dim, -1 infers one).
    public mutating func reshape(_ x: String, _ shape: [Int]) -> String {
        op("Reshape", [x, constant(Tensor(shape: [shape.count], int64s: shape.map(Int64.init)), "shape")])
    }
}
