import ArgumentParser
import Foundation
import Importer
import Plugins
import Runtime

/// Trains an encoder from a generator's images back to its latent, on the generator's own
/// samples (known truth): the Trainer's progress bar, atomic checkpoints with the encoder as
/// ONNX, exact resume, and the loss curve as CSV.
struct TrainEncoderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-encoder",
        abstract: "Train an encoder E with E(G(z)) ≈ z for a generator G (ONNX file).",
        discussion: """
        Writes OUT/checkpoints/step-N/ (parameters, optimizer state, encoder.onnx, losses.csv) every \
        --checkpoint-every steps and resumes from the newest one; at the end OUT/encoder.onnx, \
        OUT/losses.csv and the held-out latent and pixel correlations.
        """)

    @OptionGroup var plugins: PluginsOptions
    @Argument(help: "A generator: a model id from plugins.json, or an ONNX file (one latent input, first output an N×C×H×W image).")
    var generator: String
    @Option(help: "Output folder.") var out: String
    @Option(help: "Training steps.") var steps: Int = 1000
    @Option(help: "Latents per step.") var batch: Int = 32
    @Option(help: "Adam learning rate.") var lr: Double = 1e-3
    @Option(help: "Multiply the rate by 0.1 at these fractions of training (comma-separated).") var decayAt: String = "0.6,0.9"
    @Option(help: "Latent loss: mse or cosine (1 − cos over channels, as the original code).") var loss: String = "mse"
    @Option(help: "Weight of mse(G(E(x)), x) added to the loss (0: latent loss only).") var imageWeight: Float = 0
    @Option(help: "Channels of the encoder's first block.") var width: Int = 64
    @Option(help: "Seed of the encoder's initial weights and of the latents.") var seed: UInt64 = 1
    @Option(help: "Checkpoint every N steps (0: only at the end).") var checkpointEvery: Int = 100
    @Flag(help: "Start afresh even when OUT/checkpoints has a checkpoint.") var noResume = false
    @Option(help: "Held-out latents for the final evaluation.") var evaluate: Int = 256
    @Option(help: "Backend: dnnl (default) or reference.") var backend: String = "dnnl"
    @Flag(help: "Print the time spent per op type (forward and backward) at the end.") var profile = false

    func run() throws {
        guard steps > 0, batch > 0, evaluate >= 0, checkpointEvery >= 0 else { throw CLIError("--steps and --batch must be positive") }
        guard let kind = BackendKind(rawValue: backend) else { throw CLIError("unknown backend '\(backend)'") }
        guard let latentLoss = EncoderTraining.LatentLoss(rawValue: loss) else {
            throw CLIError("unknown --loss '\(loss)'; use \(EncoderTraining.LatentLoss.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        let fractions = try decayAt.split(separator: ",").map { s -> Double in
            guard let f = Double(s.trimmingCharacters(in: .whitespaces)), f > 0, f < 1 else { throw CLIError("--decay-at: '\(s)' is not a fraction in (0, 1)") }
            return f
        }
        let g = try plugins.generatorModel(generator)
        let gen = try Session(model: g, backend: kind)
        guard let zInfo = g.graph.runtimeInputs.first, let image = g.graph.outputs.first?.name else {
            throw CLIError("\(generator): expected a latent input and an image output")
        }
        let zShape = try EncoderTraining.latentShape(of: g)
        let probe = try gen.run([zInfo.name: Tensor(zeros: [1] + zShape)], outputs: [image])[image]!
        guard probe.rank == 4, probe.shape[2] == probe.shape[3] else {
            throw CLIError("\(generator): output '\(image)' is \(probe.shape), expected N×C×H×W with H = W")
        }
        let encoder = try ConvEncoder.build(config: .init(imageSize: probe.shape[2], latent: zShape.reduce(1, *),
                                                           imageChannels: probe.shape[1], width: width), seed: seed)
        let training = try EncoderTraining(generator: g, encoder: encoder, latentLoss: latentLoss, imageWeight: imageWeight)
        let session = try Session(model: training.model, backend: kind,
                                  parameters: Set(training.trainable).union(training.stateUpdates.values))
        print("encoder: \(training.trainable.count) parameter tensors, \(encoder.model.graph.parameterCount) values; image \(probe.shape.dropFirst()), latent \(zShape)")
        fflush(stdout)

        var options = Trainer.Options(steps: steps)
        options.checkpointEvery = checkpointEvery == 0 ? steps : checkpointEvery
        options.checkpointDirectory = (out as NSString).appendingPathComponent("checkpoints")
        options.resume = !noResume
        options.trainable = training.trainable
        options.stateUpdates = training.stateUpdates
        options.label = "train-encoder"
        let schedule = LearningRateSchedule(base: lr, milestones: fractions.map { Int($0 * Double(steps)) }, gamma: 0.1)
        let batchSize = batch, seed = self.seed
        let trainer = Trainer(session: session, loss: training.loss, optimizer: Adam(schedule: schedule), options: options) { step in
            // Depends only on the step: resume draws the same batches.
            ["z": Tensor.randomNormal([batchSize] + zShape, seed: seed &* 1_000_003 &+ UInt64(step) &+ 1)]
        }
        // The loss curve so far travels with each checkpoint, so a resumed run's CSV is complete.
        var earlier: [Float] = []
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let settingsPath = (out as NSString).appendingPathComponent("settings.json")
        if !noResume, let dir = options.checkpointDirectory, let last = Checkpoint.latest(in: dir) {
            try checkSettings(against: settingsPath)
            earlier = try LossCurve.read((last as NSString).appendingPathComponent("losses.csv"))
        }
        try JSONSerialization.data(withJSONObject: settings, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: settingsPath), options: .atomic)
        let encoderModel = training.encoder
        trainer.exportHook = { s, folder in
            try ONNXExporter.write(encoderModel, to: (folder as NSString).appendingPathComponent("encoder.onnx"), parameters: s.parameters)
            try LossCurve.write(earlier + trainer.losses, to: (folder as NSString).appendingPathComponent("losses.csv"))
        }
        session.profiling = profile
        let started = try trainer.run()
        if profile {
            print("time per op type over \(trainer.losses.count) steps:")
            for (op, t) in session.profile.sorted(by: { $0.value > $1.value }) { print(String(format: "  %-32@ %9.3f s", op as NSString, t)) }
        }
        if started > 0 { print("resumed from step \(started)") }
        let curve = earlier.prefix(started) + trainer.losses
        try ONNXExporter.write(encoderModel, to: (out as NSString).appendingPathComponent("encoder.onnx"), parameters: session.parameters)
        try LossCurve.write(Array(curve), to: (out as NSString).appendingPathComponent("losses.csv"))
        print(LossCurve.summary(Array(curve)))

        guard evaluate > 0 else { return }
        var trained = encoderModel
        for (k, v) in session.parameters where trained.graph.initializers[k] != nil { trained.graph.initializers[k] = v }
        let e = try Session(model: trained, backend: kind)
        let z = Tensor.randomNormal([evaluate] + zShape, seed: seed &+ 0xE7A1)
        let x = try gen.run([zInfo.name: z], outputs: [image])[image]!
        let zHat = try e.run([ConvEncoder.inputName: x], outputs: [ConvEncoder.outputName])[ConvEncoder.outputName]!
        let xHat = try gen.run([zInfo.name: zHat.reshaped([evaluate] + zShape)], outputs: [image])[image]!
        print(String(format: "held-out %d samples: latent correlation %.4f, pixel correlation of G(E(x)) with x %.4f",
                     evaluate, pearson(zHat.floats, z.floats), pearson(xHat.floats, x.floats)))
    }

    /// What fixes the run's trajectory: resuming under other values would silently train a
    /// different model, so it is refused.
    private var settings: [String: String] {
        ["generator": (generator as NSString).lastPathComponent, "steps": "\(steps)", "batch": "\(batch)", "lr": "\(lr)",
         "decay-at": decayAt, "loss": loss, "image-weight": "\(imageWeight)", "width": "\(width)", "seed": "\(seed)"]
    }

    private func checkSettings(against path: String) throws {
        guard let data = FileManager.default.contents(atPath: path),
              let saved = try? JSONSerialization.jsonObject(with: data) as? [String: String] else {
            throw CLIError("\(out) has checkpoints but no readable settings.json; pass --no-resume to start afresh")
        }
        let changed = settings.keys.sorted().filter { saved[$0] != settings[$0] }
        guard changed.isEmpty else {
            let list = changed.map { "--\($0) \(saved[$0] ?? "?") → \(settings[$0]!)" }.joined(separator: ", ")
            throw CLIError("cannot resume the run in \(out) with other settings (\(list)); use the same ones or --no-resume")
        }
    }
}
