import Importer
import Runtime

extension VGG16Features {
    /// The convolutions of a Keras VGG16 exported to ONNX (tf2onnx: values and initializers
    /// named after the Keras layers, `…/block4_conv2_1/…`), under this architecture's names
    /// (`blockB_convK` → `features.i`). Each Conv node's weight is read as ONNX Conv takes it
    /// (OIHW): tf2onnx stores the Keras HWIO kernel already transposed; a kernel still fed
    /// through a Transpose node is transposed here. Anything else in the file (dense head,
    /// batch norms of the head) is left out. Keras expects `VGG16Features.kerasCaffe` input.
    public static func kerasStateDict(_ model: Model) throws -> StateDict {
        let g = model.graph
        var producer: [String: Node] = [:]
        for n in g.nodes { for o in n.outputs { producer[o] = n } }
        let pattern = try Regex("block([1-5])_conv([1-3])")
        var found: [String: (weight: Tensor, bias: Tensor)] = [:]
        for n in g.nodes where n.opType == "Conv" {
            guard n.inputs.count > 1 else { continue }
            // The layer's name is in its kernel's, bias's or output's name (or the kernel's source behind a Transpose).
            let candidates = n.inputs.dropFirst() + n.outputs + (producer[n.inputs[1]]?.inputs ?? [])
            guard let m = candidates.lazy.compactMap({ try? pattern.firstMatch(in: $0) }).first,
                  let block = Int(m.output[1].substring ?? ""), let conv = Int(m.output[2].substring ?? "") else { continue }
            let key = "block\(block)_conv\(conv)"
            let weight = try kernel(n.inputs[1], graph: g, producer: producer, layer: key)
            guard n.inputs.count > 2, let bias = g.initializers[n.inputs[2]] else {
                throw RuntimeError.invalid("VGG16Features: Keras layer \(key) has no constant bias input on its Conv node")
            }
            found[key] = (weight, bias)
        }
        // In torchvision's order; a model cut early (e.g. through block4) may lack the last ones.
        var result = StateDict()
        var firstMissing: String?
        var index = 0
        for (b, count) in convsPerBlock.enumerated() {
            for k in 1...count {
                let key = "block\(b + 1)_conv\(k)"
                if let (w, bias) = found[key] {
                    if let gap = firstMissing {
                        throw RuntimeError.invalid("VGG16Features: Keras layer \(gap) is missing but the later \(key) is present")
                    }
                    result["features.\(index).weight"] = w.converted(to: .float32)
                    result["features.\(index).bias"] = bias.converted(to: .float32)
                } else if firstMissing == nil {
                    firstMissing = key
                }
                index += 2
            }
            index += 1
        }
        guard !result.isEmpty else {
            throw RuntimeError.invalid("VGG16Features: no Keras VGG16 convolution (block1_conv1 … block5_conv3) found in \(model.sourcePath ?? g.name)")
        }
        return result
    }

    /// Reads `path` (an ONNX file) and returns `kerasStateDict` of it.
    public static func kerasStateDict(path: String) throws -> StateDict {
        try kerasStateDict(ONNXImporter.load(path: path).model)
    }

    /// The OIHW kernel feeding a Conv: an initializer, or a Transpose of one.
    static func kernel(_ name: String, graph g: Graph, producer: [String: Node], layer: String) throws -> Tensor {
        if let t = g.initializers[name] { return t }
        if let t = producer[name], t.opType == "Transpose", let source = t.inputs.first, let raw = g.initializers[source],
           let perm = t.ints("perm"), perm.sorted() == Array(0..<raw.rank) {
            return permuted(raw.converted(to: .float32), perm)
        }
        throw RuntimeError.invalid("VGG16Features: the kernel of Keras layer \(layer) ('\(name)') is neither a constant nor a transposed constant")
    }

    /// `t` with its axes reordered: result axis i is `t`'s axis perm[i].
    static func permuted(_ t: Tensor, _ perm: [Int]) -> Tensor {
        let shape = perm.map { t.shape[$0] }
        let inStrides = Tensor.strides(of: t.shape)
        let strides = perm.map { inStrides[$0] } // input stride of each output axis
        var out = Tensor(zeros: shape, dtype: .float32)
        t.withUnsafeBufferPointer(as: Float.self) { src in
            out.withUnsafeMutableBufferPointer(as: Float.self) { dst in
                var index = [Int](repeating: 0, count: shape.count)
                for i in 0..<dst.count {
                    var offset = 0
                    for a in index.indices { offset += index[a] * strides[a] }
                    dst[i] = src[offset]
                    var a = shape.count - 1
                    while a >= 0 {
                        index[a] += 1
                        if index[a] < shape[a] { break }
                        index[a] = 0
                        a -= 1
                    }
                }
            }
        }
        return out
    }
}
