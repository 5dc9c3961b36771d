import Foundation

/// Minimises a scalar value of a session's graph over its parameters: seeded batches, a
/// progress bar, atomic checkpoints every N steps, exact resume, and a clear stop on NaN/Inf.
public final class Trainer {
    public struct Options {
        public var steps: Int
        /// Checkpoint every this many steps (0: never), into `checkpointDirectory`.
        public var checkpointEvery: Int = 0
        public var checkpointDirectory: String?
        /// Resume from the newest checkpoint in `checkpointDirectory` when there is one.
        public var resume: Bool = true
        public var progress: Bool = true
        public var label: String = "train"
        /// Parameters the optimizer changes (nil: all of the session's).
        public var trainable: [String]?
        /// Values computed each step → the (untrained) parameters they replace afterwards:
        /// batch-norm running statistics (see `BatchNormTraining`).
        public var stateUpdates: [String: String] = [:]

        public init(steps: Int) { self.steps = steps }
    }

    public let session: Session
    public let loss: String
    public var optimizer: Optimizer
    public let options: Options
    /// Feeds for 0-based step k. Must depend only on k (e.g. seeded by it) for exact resume.
    public let batch: (Int) throws -> [String: Tensor]
    /// Writes extra checkpoint files (e.g. the model as ONNX with the current weights) into a folder.
    public var exportHook: ((Session, String) throws -> Void)?
    /// Loss per step of this run (NaN-free).
    public private(set) var losses: [Float] = []

    public init(session: Session, loss: String, optimizer: Optimizer, options: Options,
                batch: @escaping (Int) throws -> [String: Tensor]) {
        self.session = session
        self.loss = loss
        self.optimizer = optimizer
        self.options = options
        self.batch = batch
    }

    /// Runs to `options.steps`; returns the step it started from (0, or the resumed one).
    @discardableResult
    public func run() throws -> Int {
        let stateNames = Set(options.stateUpdates.values)
        let names = (options.trainable ?? session.parameters.keys.sorted()).filter { !stateNames.contains($0) }
        guard !names.isEmpty else { throw RuntimeError(.badInput, "the session has no parameters to train") }
        for name in names + Array(stateNames) where session.parameters[name] == nil {
            throw RuntimeError(.badInput, "'\(name)' is not a parameter of the session")
        }
        let collected = options.stateUpdates.keys.sorted()
        let trained = Set(names)
        var start = 0
        if options.resume, let dir = options.checkpointDirectory, let folder = Checkpoint.latest(in: dir) {
            let c = try Checkpoint.read(from: folder)
            for (k, v) in c.parameters { try session.setParameter(k, v) }
            try optimizer.restore(c.optimizerState)
            start = c.step
        }
        let bar = ProgressBar(total: options.steps, label: options.label, enabled: options.progress)
        var step = start
        while step < options.steps {
            let r = try session.gradients(try batch(step), of: loss, wrt: names, collecting: collected)
            let value = r.value.floats.reduce(0, +)
            guard value.isFinite else {
                bar.finish()
                let last = options.checkpointDirectory.flatMap(Checkpoint.latest(in:)) ?? "none"
                throw RuntimeError(.invalidArgument, "loss is \(value) at step \(step); stopped (last good checkpoint: \(last))")
            }
            var params = session.parameters.filter { trained.contains($0.key) }
            try optimizer.update(&params, gradients: r.gradients)
            for k in names { try session.setParameter(k, params[k]!) }
            for (value, target) in options.stateUpdates {
                guard let v = r.values[value] else { throw RuntimeError(.invalidArgument, "state update '\(value)' was not computed") }
                try session.setParameter(target, v)
            }
            losses.append(value)
            step += 1
            bar.update(step, startedAt: start, metrics: String(format: "loss %.5f", value))
            if options.checkpointEvery > 0, step % options.checkpointEvery == 0 || step == options.steps,
               let dir = options.checkpointDirectory {
                let c = Checkpoint(step: step, parameters: session.parameters, optimizerState: optimizer.state)
                let hook = exportHook
                _ = try c.write(to: dir) { folder in try hook?(self.session, folder) }
            }
        }
        return start
    }
}
