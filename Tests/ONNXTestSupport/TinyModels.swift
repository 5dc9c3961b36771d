import Foundation
import Importer
import Runtime

/// Three tiny models with hand-derivable outputs, written as ONNX files, for the tests that
/// add plugins purely through plugins.json: a generator, a segmenter and a feature net.
public enum TinyModels {
    /// z [N, 2] → Gemm → `hidden` [N, 4] → Reshape [N, 1, 2, 2] (`grid`) → Tanh → `image`.
    /// hidden = z·Wᵀ + b with W = [[1, 0], [0, 1], [1, 1], [1, −1]], b = [0, 0, 0, 0.5]:
    /// z = [1, 2] → hidden [1, 2, 3, −0.5] → image tanh of those as a 2×2 grey image.
    public static func generator() -> Model {
        var b = GraphBuilder(Graph(name: "tiny-generator"), opset: 17, prefix: "g")
        b.graph.inputs = [ValueInfo(name: "z", dtype: .float32, shape: [.symbolic("N"), .fixed(2)])]
        let w = b.constant(Tensor(shape: [4, 2], floats: [1, 0, 0, 1, 1, 1, 1, -1]), "w")
        let bias = b.constant(Tensor(shape: [4], floats: [0, 0, 0, 0.5]), "bias")
        b.graph.nodes.append(Node(name: "fc", opType: "Gemm", inputs: ["z", w, bias], outputs: ["hidden"], attributes: ["transB": .int(1)]))
        let shape = b.constant(Tensor(shape: [4], int64s: [-1, 1, 2, 2]), "shape")
        b.graph.nodes.append(Node(name: "reshape", opType: "Reshape", inputs: ["hidden", shape], outputs: ["grid"]))
        b.graph.nodes.append(Node(name: "tanh", opType: "Tanh", inputs: ["grid"], outputs: ["image"]))
        b.graph.outputs = [ValueInfo(name: "image", dtype: .float32, shape: [.symbolic("N"), .fixed(1), .fixed(2), .fixed(2)])]
        return Model(graph: b.graph, opsetImports: ["": 17])
    }

    /// image [1, 3, 2, 2] → Conv 1×1 with the identity → `logits` [1, 3, 2, 2]: each pixel's
    /// class is its strongest colour channel (0 red, 1 green, 2 blue).
    public static func segmenter() -> Model {
        var b = GraphBuilder(Graph(name: "tiny-segmenter"), opset: 17, prefix: "s")
        b.graph.inputs = [ValueInfo(name: "image", dtype: .float32, shape: [.fixed(1), .fixed(3), .fixed(2), .fixed(2)])]
        let w = b.constant(Tensor(shape: [3, 3, 1, 1], floats: [1, 0, 0, 0, 1, 0, 0, 0, 1]), "w")
        b.graph.nodes.append(Node(name: "classify", opType: "Conv", inputs: ["image", w], outputs: ["logits"],
                                  attributes: ["kernel_shape": .ints([1, 1])]))
        b.graph.outputs = [ValueInfo(name: "logits", dtype: .float32, shape: [.fixed(1), .fixed(3), .fixed(2), .fixed(2)])]
        return Model(graph: b.graph, opsetImports: ["": 17])
    }

    /// pixels [N, 3, H, W] → Conv 1×1 with weights [[1, 1, 1], [1, −1, 0]] → Relu `act/0:0`
    /// (renamed to `feat` by its plugins.json entry) → MaxPool 2×2 `pooled` [N, 2, H/2, W/2].
    public static func featureNet() -> Model {
        var b = GraphBuilder(Graph(name: "tiny-features"), opset: 17, prefix: "f")
        b.graph.inputs = [ValueInfo(name: "pixels", dtype: .float32, shape: [.symbolic("N"), .fixed(3), .symbolic("H"), .symbolic("W")])]
        let w = b.constant(Tensor(shape: [2, 3, 1, 1], floats: [1, 1, 1, 1, -1, 0]), "w")
        b.graph.nodes.append(Node(name: "conv", opType: "Conv", inputs: ["pixels", w], outputs: ["conv"], attributes: ["kernel_shape": .ints([1, 1])]))
        b.graph.nodes.append(Node(name: "act", opType: "Relu", inputs: ["conv"], outputs: ["act/0:0"]))
        b.graph.nodes.append(Node(name: "pool", opType: "MaxPool", inputs: ["act/0:0"], outputs: ["pooled"],
                                  attributes: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])]))
        b.graph.outputs = [ValueInfo(name: "pooled", dtype: .float32, shape: [.symbolic("N"), .fixed(2), .symbolic("H/2"), .symbolic("W/2")])]
        return Model(graph: b.graph, opsetImports: ["": 17])
    }

    /// Writes `model` to `path` (creating its folder).
    public static func write(_ model: Model, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try ONNXExporter.write(model, to: path, externalData: .never)
    }

    /// The plugins.json entries of the three models (paths `models/tiny-*/…onnx` relative to
    /// the registry), with the files' sha256 and sizes filled in from `digest`.
    public static func entries(digest: (String) throws -> (sha256: String, bytes: Int)) throws -> String {
        func file(_ path: String) throws -> String {
            let d = try digest(path)
            return "{\"role\": \"model\", \"path\": \"\(path)\", \"sha256\": \"\(d.sha256)\", \"bytes\": \(d.bytes)}"
        }
        return """
        {
          "id": "tiny-gen", "kind": "generator", "architecture": "onnx",
          "licence": "test", "provenance": "TinyModels.generator()",
          "files": [\(try file("models/tiny-gen/tiny-gen.onnx"))],
          "opset": 17,
          "inputs": [{"name": "z", "dtype": "float32", "shape": ["N", 2], "role": "latent", "distribution": "normal"}],
          "outputs": [{"name": "image", "dtype": "float32", "shape": ["N", 1, 2, 2], "role": "image", "layout": "NCHW", "range": [-1, 1]}],
          "layers": ["hidden", "grid"], "defaultLayer": "hidden"
        },
        {
          "id": "tiny-seg", "kind": "segmenter", "architecture": "onnx",
          "licence": "test", "provenance": "TinyModels.segmenter()",
          "files": [\(try file("models/tiny-seg/tiny-seg.onnx"))],
          "opset": 17,
          "inputs": [{"name": "image", "dtype": "float32", "shape": [1, 3, 2, 2], "role": "image", "layout": "NCHW"}],
          "outputs": [{"name": "logits", "dtype": "float32", "shape": [1, 3, 2, 2], "role": "scores", "layout": "NCHW", "activation": "logits"}],
          "labels": ["red", "green", "blue"],
          "preprocessing": {"resize": "stretch", "size": [2, 2], "channels": "RGB", "range": [0, 1]}
        },
        {
          "id": "tiny-feat", "kind": "feature-net", "architecture": "onnx",
          "licence": "test", "provenance": "TinyModels.featureNet()",
          "files": [\(try file("models/tiny-feat/tiny-feat.onnx"))],
          "opset": 17,
          "inputs": [{"name": "pixels", "dtype": "float32", "shape": ["N", 3, "H", "W"], "role": "image", "layout": "NCHW"}],
          "outputs": [{"name": "pooled", "dtype": "float32", "shape": ["N", 2, "H/2", "W/2"], "role": "features", "layout": "NCHW"}],
          "layers": [{"name": "feat", "tensor": "act/0:0"}, "pooled"], "defaultLayer": "feat",
          "preprocessing": {"channels": "BGR", "range": [0, 255], "mean": [1, 2, 3]}
        }
        """
    }

    /// A registry folder with the three models and a plugins.json listing them; returns the
    /// path of plugins.json.
    public static func makeRegistry(in dir: String, digest: (String) throws -> (sha256: String, bytes: Int)) throws -> String {
        try write(generator(), to: "\(dir)/models/tiny-gen/tiny-gen.onnx")
        try write(segmenter(), to: "\(dir)/models/tiny-seg/tiny-seg.onnx")
        try write(featureNet(), to: "\(dir)/models/tiny-feat/tiny-feat.onnx")
        let text = "{\n\"schema\": 1,\n\"models\": [\n" + (try entries { try digest("\(dir)/\($0)") }) + "\n]\n}\n"
        let path = "\(dir)/plugins.json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
