import Foundation
import Importer
import ONNXTestSupport
import Plugins
import Runtime

/// Test material for the statistics commands: an oracle segmenter that labels each pixel with
/// the nearest colour of a palette (so synthetic images have known labels), registered purely
/// through plugins.json next to the tiny generator, and seeded synthetic scenes.
enum StatsFixtures {
    /// The oracle's classes and their colours: class 0 is the black background.
    static let classes = ["-", "sky", "tree", "car", "person"]
    static let palette: [[Float]] = [[0, 0, 0], [0, 0, 255], [0, 255, 0], [255, 0, 0], [255, 255, 0]]
    /// The oracle's input size.
    static let size = 16

    /// image [1, 3, S, S] (pixel values 0…255) → Conv 1×1 → `scores` [1, K, S, S] with
    /// scores_k = 2·x·c_k − ‖c_k‖² = ‖x‖² − ‖x − c_k‖² minus a per-pixel constant: the argmax is
    /// the palette colour nearest to the pixel.
    static func oracle(palette: [[Float]], size: Int = size) -> Model {
        var b = GraphBuilder(Graph(name: "palette-oracle"), opset: 17, prefix: "o")
        let k = palette.count
        b.graph.inputs = [ValueInfo(name: "image", dtype: .float32, shape: [.fixed(1), .fixed(3), .fixed(size), .fixed(size)])]
        let w = b.constant(Tensor(shape: [k, 3, 1, 1], floats: palette.flatMap { $0.map { 2 * $0 } }), "w")
        let bias = b.constant(Tensor(shape: [k], floats: palette.map { c in -c.reduce(0) { $0 + $1 * $1 } }), "bias")
        b.graph.nodes.append(Node(name: "nearest", opType: "Conv", inputs: ["image", w, bias], outputs: ["scores"],
                                  attributes: ["kernel_shape": .ints([1, 1])]))
        b.graph.outputs = [ValueInfo(name: "scores", dtype: .float32, shape: [.fixed(1), .fixed(k), .fixed(size), .fixed(size)])]
        return Model(graph: b.graph, opsetImports: ["": 17])
    }

    static func digest(_ path: String) throws -> (sha256: String, bytes: Int) {
        ((try SHA256.hex(file: path)), (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? -1)
    }

    /// A registry in `dir`: `oracle` (the palette above), `oracle-copy` (the same classes from a
    /// second, different file: another segmenter), `oracle-renamed` (class 3 called "truck"),
    /// `oracle-4` (the first four classes only) and `tiny-gen` (TinyModels.generator()).
    /// Returns the path of plugins.json.
    static func makeRegistry(in dir: String) throws -> String {
        var entries: [String] = []
        func segmenter(_ id: String, palette: [[Float]], labels: [String], scale: Float = 1) throws {
            let path = "models/\(id)/\(id).onnx"
            try TinyModels.write(oracle(palette: palette.map { $0.map { $0 * scale } }), to: "\(dir)/\(path)")
            let d = try digest("\(dir)/\(path)")
            let names = labels.map { "\"\($0)\"" }.joined(separator: ", ")
            entries.append("""
            {
              "id": "\(id)", "kind": "segmenter", "architecture": "onnx", "licence": "test", "provenance": "StatsFixtures.oracle",
              "files": [{"role": "model", "path": "\(path)", "sha256": "\(d.sha256)", "bytes": \(d.bytes)}],
              "opset": 17,
              "inputs": [{"name": "image", "dtype": "float32", "shape": [1, 3, \(size), \(size)], "role": "image", "layout": "NCHW"}],
              "outputs": [{"name": "scores", "dtype": "float32", "shape": [1, \(labels.count), \(size), \(size)], "role": "scores", "layout": "NCHW", "activation": "logits"}],
              "labels": [\(names)],
              "preprocessing": {"resize": "centre-crop", "size": [\(size), \(size)], "channels": "RGB", "range": [0, 255]}
            }
            """)
        }
        try segmenter("oracle", palette: palette, labels: classes)
        // Colours scaled by 0.999 label every pixel alike but make another file.
        try segmenter("oracle-copy", palette: palette, labels: classes, scale: 0.999)
        try segmenter("oracle-renamed", palette: palette, labels: ["-", "sky", "tree", "truck", "person"])
        try segmenter("oracle-4", palette: Array(palette.prefix(4)), labels: Array(classes.prefix(4)))
        let gen = "models/tiny-gen/tiny-gen.onnx"
        try TinyModels.write(TinyModels.generator(), to: "\(dir)/\(gen)")
        let d = try digest("\(dir)/\(gen)")
        entries.append("""
        {
          "id": "tiny-gen", "kind": "generator", "architecture": "onnx", "licence": "test", "provenance": "TinyModels.generator()",
          "files": [{"role": "model", "path": "\(gen)", "sha256": "\(d.sha256)", "bytes": \(d.bytes)}],
          "opset": 17,
          "inputs": [{"name": "z", "dtype": "float32", "shape": ["N", 2], "role": "latent", "distribution": "normal"}],
          "outputs": [{"name": "image", "dtype": "float32", "shape": ["N", 1, 2, 2], "role": "image", "layout": "NCHW", "range": [-1, 1]}]
        }
        """)
        let path = "\(dir)/plugins.json"
        try ("{\n\"schema\": 1,\n\"models\": [\n" + entries.joined(separator: ",\n") + "\n]\n}\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Seeded synthetic scenes of `size` × `size` pixels on a black background: class k (1…4)
    /// may appear, with probability `presence[k]`, as a rectangle of the class's colour of
    /// random size (1…8 × 1…8 pixels) inside quadrant k − 1, so classes never overlap and
    /// changing one class's presence changes no other object class's area.
    struct Scenes {
        var presence: [Double] = [1, 0.9, 0.8, 0.7, 0.6]

        /// One scene and its pixels per class (the labels an exact segmenter gives).
        func image(_ rng: inout SeededRandom) -> (image: Image8, pixels: [Int]) {
            let s = StatsFixtures.size, half = s / 2
            var px = [UInt8](repeating: 0, count: s * s * 3)
            var counts = [Int](repeating: 0, count: StatsFixtures.classes.count)
            counts[0] = s * s
            for k in 1..<StatsFixtures.classes.count {
                // Draw the sizes whether or not the class appears, so the other classes see the same stream.
                let w = 1 + Int(rng.uniform() * Double(half)), h = 1 + Int(rng.uniform() * Double(half))
                guard rng.uniform() < presence[k] else { continue }
                let (x0, y0) = (((k - 1) % 2) * half, ((k - 1) / 2) * half)
                counts[k] = w * h
                counts[0] -= w * h
                for y in y0..<(y0 + h) {
                    for x in x0..<(x0 + w) {
                        for c in 0..<3 { px[(y * s + x) * 3 + c] = UInt8(StatsFixtures.palette[k][c]) }
                    }
                }
            }
            return (Image8(width: s, height: s, channels: 3, pixels: px), counts)
        }

        /// Writes `count` scenes seeded by `seed` as PNGs into `dir`; returns each one's pixels per class.
        @discardableResult
        func write(count: Int, seed: UInt64, to dir: String) throws -> [[Int]] {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            var rng = SeededRandom(seed: seed)
            var counts: [[Int]] = []
            for i in 0..<count {
                let (im, c) = image(&rng)
                try PNGWriter.write(im, to: String(format: "%@/scene_%04d.png", dir, i))
                counts.append(c)
            }
            return counts
        }
    }

    /// A 16×16 JPEG (PIL, quality 95): left half red (255, 0, 0), right half blue (0, 0, 255);
    /// decoded, the columns next to the edge blend, but each pixel stays nearest to its side's colour.
    static let halfRedHalfBlueJPEG = Data(base64Encoded: """
    /9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAIBAQEBAQIBAQECAgICAgQDAgICAgUEBAMEBgUGBgYFBgYGBwkIBgcJBwYGCAsICQoKCgoKBggLDAsKDAkKCgr/2wBDAQICAgICAgUDAwUKBwYHCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgr/wAARCAAQABADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwD4vr5Dr68r5Dr+qP2Zf/NV/wDcj/7uH9qftDP+aZ/7nf8A3UP/2Q==
    """, options: .ignoreUnknownCharacters)!
}
