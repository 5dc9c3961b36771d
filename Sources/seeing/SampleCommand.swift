import ArgumentParser
import Foundation
import Importer
import Plugins
import Runtime

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Draw N samples from a generator (a registered model id or an ONNX file) with seeded latents; write PNGs, a grid and z.npy.",
        discussion: """
        A registered generator draws its latents from its distribution and maps its image range to \
        0…255; an ONNX file takes standard normal latents and is taken to give images in [-1, 1].
        """)

    @OptionGroup var options: PluginsOptions
    @Argument(help: "A generator: a model id from plugins.json, or an ONNX file (one latent input, an N×C×H×W image output).")
    var model: String
    @Option(help: "Number of samples.") var n: Int = 16
    @Option(help: "Seed of the latents.") var seed: UInt64 = 1
    @Option(help: "Output folder.") var out: String
    @Option(help: "Samples per forward pass.") var batch: Int = 16
    @Option(help: "ONNX file only: latent input name (default: the only input).") var input: String?
    @Option(help: "ONNX file only: image output name (default: the first output).") var output: String?
    @Option(help: "Backend: dnnl (default) or reference.") var backend: String = "dnnl"

    func run() throws {
        guard n > 0, batch > 0 else { throw CLIError("--n and --batch must be positive") }
        let kind = try parseBackend(backend)
        let generator: GraphGenerator
        if FileManager.default.fileExists(atPath: model) {
            generator = try GraphGenerator(fileGenerator(ONNXImporter.load(path: model).model), backend: kind)
        } else {
            guard input == nil, output == nil else { throw CLIError("--input and --output apply to ONNX files; '\(model)' is not a file") }
            guard let path = PluginCatalog.locate(explicit: options.plugins) else {
                throw CLIError("'\(model)' is not a file, and there is no plugins.json to look it up in (give --plugins PATH)")
            }
            generator = try Zoo(path: path, backend: kind).generator(model)
        }
        let range = generator.image.range ?? -1...1
        // One seeded stream for all latents, so a sample does not depend on the batch size.
        let zAll = generator.sampleLatents(n, seed: seed)
        let perSample = generator.latentShape, perCount = perSample.reduce(1, *)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var images: [Image8] = []
        let zs = zAll.toArray(Float.self)
        var start = 0
        let bar = ProgressBar(total: n, label: "sample")
        while start < n {
            let b = min(batch, n - start)
            let z = Tensor(shape: [b] + perSample, floats: Array(zs[(start * perCount)..<((start + b) * perCount)]))
            var y = try generator.generate(z)
            if generator.image.layout == "NHWC" { y = nchw(y) }
            images += try ImageGrid.images(from: y, range: range)
            start += b
            bar.update(start)
        }
        for (i, im) in images.enumerated() {
            try PNGWriter.write(im, to: (out as NSString).appendingPathComponent(String(format: "sample_%04d.png", i)))
        }
        let cols = Int(Double(n).squareRoot().rounded(.up))
        try PNGWriter.write(ImageGrid.tile(images, columns: cols), to: (out as NSString).appendingPathComponent("grid.png"))
        try NPY.write(zAll, to: (out as NSString).appendingPathComponent("z.npy"))
        print("wrote \(n) samples, grid.png and z.npy to \(out)")
    }

    /// An ONNX file as a generator: its latent input (--input or the only one) and image output.
    func fileGenerator(_ m: Model) throws -> PluginModel {
        let g = m.graph
        let zInfo: ValueInfo
        if let name = input {
            guard let i = g.runtimeInputs.first(where: { $0.name == name }) else {
                throw CLIError("\(model) has no input '\(name)'; inputs: \(g.runtimeInputs.map(\.name).joined(separator: ", "))")
            }
            zInfo = i
        } else {
            guard g.runtimeInputs.count == 1 else {
                throw CLIError("\(model) has \(g.runtimeInputs.count) inputs; name the latent with --input")
            }
            zInfo = g.runtimeInputs[0]
        }
        guard let zShape = zInfo.shape, zShape.count >= 1, zShape.dropFirst().allSatisfy({ $0.value != nil }) else {
            throw CLIError("latent '\(zInfo.name)' must have a fixed shape apart from the batch dimension, got \(zInfo.shapeDescription)")
        }
        guard let outName = output ?? g.outputs.first?.name else { throw CLIError("\(model) declares no outputs") }
        let batch = PortDim.symbolic("N")
        let z = Port(name: zInfo.name, shape: [batch] + zShape.dropFirst().compactMap(\.value).map(PortDim.fixed), role: .latent, distribution: .normal)
        let image = Port(name: outName, shape: [batch, .symbolic("C"), .symbolic("H"), .symbolic("W")], role: .image, layout: "NCHW", range: -1...1)
        return PluginModel(id: model, architecture: PluginRegistry.onnx, model: m,
                           interface: PluginInterface(kind: .generator, inputs: [z], outputs: [image]))
    }

    /// [N, H, W, C] → [N, C, H, W].
    func nchw(_ t: Tensor) -> Tensor {
        guard t.rank == 4 else { return t }
        let (n, h, w, c) = (t.shape[0], t.shape[1], t.shape[2], t.shape[3])
        let src = t.floats
        var dst = [Float](repeating: 0, count: src.count)
        for b in 0..<n {
            for i in 0..<(h * w) {
                for k in 0..<c { dst[((b * c + k) * h * w) + i] = src[(b * h * w + i) * c + k] }
            }
        }
        return Tensor(shape: [n, c, h, w], floats: dst)
    }
}
