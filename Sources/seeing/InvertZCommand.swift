import ArgumentParser
import Foundation
import Importer
import Plugins
import Runtime

/// The gradients workout on a real generator: recover the latent of one of its own samples by
/// optimising z through the network (the paper's baseline (a), on a known answer).
struct InvertZCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invert-z",
        abstract: "Reconstruct a generator's own sample by optimising z (from the true z plus noise, or from a random z).",
        discussion: "Prints the pixel and latent Pearson correlations with the truth; writes target, start and result PNGs with --out.")

    @OptionGroup var plugins: PluginsOptions
    @Argument(help: "A generator: a model id from plugins.json, or an ONNX file (one latent input, one image output).")
    var model: String
    @Option(help: "Seed of the true latent.") var seed: UInt64 = 1
    @Option(help: "Standard deviation of the noise added to the true z for the start (ignored with --from-random).") var noise: Double = 0.5
    @Flag(help: "Start from an independent random z instead.") var fromRandom = false
    @Option(help: "Optimisation steps.") var steps: Int = 300
    @Option(help: "Adam learning rate.") var lr: Double = 0.05
    @Option(help: "Backend: dnnl (default) or reference.") var backend: String = "dnnl"
    @Option(help: "Folder for target.png, start.png and result.png (side by side in comparison.png).") var out: String?

    func run() throws {
        guard let kind = BackendKind(rawValue: backend) else { throw CLIError("unknown backend '\(backend)'") }
        var m = try plugins.generatorModel(model)
        guard m.graph.runtimeInputs.count == 1, let zInfo = m.graph.runtimeInputs.first,
              let zDims = zInfo.shape, zDims.dropFirst().allSatisfy({ $0.value != nil }) else {
            throw CLIError("\(model): expected one latent input with a fixed shape apart from the batch")
        }
        guard let image = m.graph.outputs.first?.name else { throw CLIError("\(model) declares no outputs") }
        let zShape = [1] + zDims.dropFirst().map { $0.value! }

        // Loss graph: mse(G(z), target), appended to the generator.
        var b = GraphBuilder(m.graph, opset: m.opset, prefix: "loss")
        m.graph.inputs.append(ValueInfo(name: "target", dtype: .float32, shape: nil))
        b.graph.inputs = m.graph.inputs
        let loss = Losses.mse(&b, image, "target")
        b.output(loss)
        m.graph = b.graph
        let session = try Session(model: m, backend: kind)

        let zTrue = Tensor.randomNormal(zShape, seed: seed)
        let target = try session.run([zInfo.name: zTrue, "target": Tensor(zeros: [1, 3, 1, 1])], outputs: [image])[image]!
        var z: Tensor
        if fromRandom {
            z = Tensor.randomNormal(zShape, seed: seed &+ 1_000_003)
        } else {
            let n = Tensor.randomNormal(zShape, seed: seed &+ 7_777)
            z = Tensor(shape: zShape, floats: zip(zTrue.floats, n.floats).map { $0 + Float(noise) * $1 })
        }
        let startImage = try session.run([zInfo.name: z, "target": target], outputs: [image])[image]!
        print(String(format: "start: pixel correlation %.4f, z correlation %.4f",
                     pearson(startImage.floats, target.floats), pearson(z.floats, zTrue.floats)))
        var adam = Adam(lr: lr)
        let bar = ProgressBar(total: steps, label: "invert-z")
        var last: Float = .nan
        for k in 0..<steps {
            let r = try session.gradients([zInfo.name: z, "target": target], of: loss, wrt: [zInfo.name])
            last = r.value.floats[0]
            var params = ["z": z]
            try adam.update(&params, gradients: ["z": r.gradients[zInfo.name]!])
            z = params["z"]!
            bar.update(k + 1, metrics: String(format: "mse %.5f", last))
        }
        let final = try session.run([zInfo.name: z, "target": target], outputs: [image])[image]!
        print(String(format: "after %d steps: mse %.6f, pixel correlation %.4f, z correlation %.4f",
                     steps, last, pearson(final.floats, target.floats), pearson(z.floats, zTrue.floats)))
        if let out {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let images = try [target, startImage, final].map { try ImageGrid.images(from: $0)[0] }
            for (name, im) in zip(["target", "start", "result"], images) {
                try PNGWriter.write(im, to: (out as NSString).appendingPathComponent(name + ".png"))
            }
            try PNGWriter.write(ImageGrid.tile(images, columns: 3), to: (out as NSString).appendingPathComponent("comparison.png"))
            print("wrote target.png, start.png, result.png and comparison.png to \(out)")
        }
    }
}

/// Pooled Pearson correlation of two equally long vectors.
func pearson(_ a: [Float], _ b: [Float]) -> Double {
    let n = Double(a.count)
    let ma = a.reduce(0) { $0 + Double($1) } / n, mb = b.reduce(0) { $0 + Double($1) } / n
    var sab = 0.0, saa = 0.0, sbb = 0.0
    for i in a.indices {
        let (x, y) = (Double(a[i]) - ma, Double(b[i]) - mb)
        sab += x * y; saa += x * x; sbb += y * y
    }
    return sab / max((saa * sbb).squareRoot(), 1e-30)
}
