import ArgumentParser
import Foundation
import Importer
import Plugins
import Runtime

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Draw N samples from a generator (ONNX file) with seeded Gaussian latents; write PNGs, a grid and z.npy.")

    @Argument(help: "A generator as an ONNX file: one latent input, one N×C×H×W image output.") var model: String
    @Option(help: "Number of samples.") var n: Int = 16
    @Option(help: "Seed of the latents.") var seed: UInt64 = 1
    @Option(help: "Output folder.") var out: String
    @Option(help: "Samples per forward pass.") var batch: Int = 16
    @Option(help: "Latent input name (default: the only input).") var input: String?
    @Option(help: "Image output name (default: the first output).") var output: String?
    @Option(help: "Backend: dnnl (default) or reference.") var backend: String = "dnnl"

    func run() throws {
        guard n > 0, batch > 0 else { throw CLIError("--n and --batch must be positive") }
        guard let kind = BackendKind(rawValue: backend) else { throw CLIError("unknown backend '\(backend)'") }
        let result = try ONNXImporter.load(path: model)
        let g = result.model.graph
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
        let perSample = zShape.dropFirst().map { $0.value! }
        // One seeded stream for all latents, so a sample does not depend on the batch size.
        let zAll = Tensor.randomNormal([n] + perSample, seed: seed)
        let session = try Session(model: result.model, backend: kind)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var images: [Image8] = []
        let perCount = perSample.reduce(1, *)
        let zs = zAll.toArray(Float.self)
        var start = 0
        let bar = ProgressBar(total: n, label: "sample")
        while start < n {
            let b = min(batch, n - start)
            let z = Tensor(shape: [b] + perSample, floats: Array(zs[(start * perCount)..<((start + b) * perCount)]))
            let y = try session.run([zInfo.name: z], outputs: [outName])[outName]!
            images += try ImageGrid.images(from: y)
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
}
