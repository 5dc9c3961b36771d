import ArgumentParser
import Foundation
import Importer
import Runtime

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time a model's forward pass: median (and min/max) of repeated runs after warm-up.",
        discussion: """
        Threads follow OMP_NUM_THREADS (oneDNN's OpenMP runtime reads it at start). \
        scripts/benchmark.py runs this side by side with onnxruntime. With --grad-of and --wrt it \
        also times forward+backward (`seeing grad`'s computation, cotangent all ones) and prints \
        both medians and their ratio; scripts/benchmark_grad.py compares that with PyTorch.
        """)

    @Argument(help: "An ONNX file.") var model: String
    @Option(name: .customLong("input"), help: "NAME=FILE.npy or NAME=random:SEED (repeatable).") var inputs: [String] = []
    @Option(name: .customLong("dim"), help: "SYMBOL=SIZE for symbolic dimensions (repeatable).") var dims: [String] = []
    @Option(help: "Warm-up runs (the first one plans).") var warmup: Int = 3
    @Option(name: .customLong("repeat"), help: "Timed runs.") var repeats: Int = 20
    @Option(help: "Backend: dnnl (default) or reference.") var backend: String = "dnnl"
    @Option(name: .customLong("grad-of"), help: ArgumentHelp("Also time the gradient of this value (any value name).", valueName: "output"))
    var gradOf: String?
    @Option(name: .customLong("wrt"), help: ArgumentHelp("NAME[,NAME…] for --grad-of: graph inputs or initializers (repeatable).", valueName: "names"))
    var wrt: [String] = []
    @Flag(help: "Print per-op-type time of one extra run (with --grad-of: also one forward+backward, backward rules as \"backward OP\").") var profile = false
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        guard let kind = BackendKind(rawValue: backend) else { throw CLIError("unknown backend '\(backend)'") }
        guard warmup >= 1, repeats >= 1 else { throw CLIError("--warmup and --repeat must be at least 1") }
        let result = try ONNXImporter.load(path: model)
        let g = result.model.graph
        let dimValues = try InputSpec.parseDims(dims)
        var feeds: [String: Tensor] = [:]
        for s in try inputs.map(InputSpec.init(parsing:)) {
            feeds[s.name] = try s.load(declared: g.inputs.first { $0.name == s.name }, dims: dimValues)
        }
        if gradOf == nil, !wrt.isEmpty { throw CLIError("--wrt needs --grad-of") }
        let request = try gradOf.map { try GradientRequest(output: $0, wrt: wrt, graph: g, modelPath: model) }
        let session = try Session(model: result.model, backend: kind, parameters: request?.parameters ?? [])
        let forward = try timings { _ = try session.run(feeds) }
        let backward = try request.map { r in try timings { _ = try session.gradients(feeds, of: r.output, wrt: r.names) } }
        let times = forward, median = Self.median(forward)
        var profileOut: [(String, Double)] = []
        if profile {
            session.profiling = true
            _ = try session.run(feeds)
            if let r = request { _ = try session.gradients(feeds, of: r.output, wrt: r.names) }
            profileOut = session.profile.sorted { $0.value > $1.value }.map { ($0.key, $0.value * 1000) }
        }
        if json {
            var obj: [String: Any] = ["model": model, "backend": backend, "median_ms": median, "min_ms": times.first!,
                                      "max_ms": times.last!, "runs": times.count]
            if let b = backward {
                obj["grad_median_ms"] = Self.median(b)
                obj["grad_min_ms"] = b.first!
                obj["grad_max_ms"] = b.last!
                obj["grad_ratio"] = Self.median(b) / median
            }
            if profile { obj["profile_ms"] = Dictionary(uniqueKeysWithValues: profileOut) }
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "%@ [%@]: median %.3f ms (min %.3f, max %.3f) over %d runs", model, backend, median, times.first!, times.last!, times.count))
            if let b = backward {
                print(String(format: "forward+backward: median %.3f ms (min %.3f, max %.3f), %.2f× forward", Self.median(b), b.first!, b.last!, Self.median(b) / median))
            }
            for (op, ms) in profileOut { print(String(format: "  %-28@ %9.3f ms", op as NSString, ms)) }
        }
    }

    /// Sorted wall times (ms) of `repeats` runs of `body` after `warmup` untimed ones.
    private func timings(_ body: () throws -> Void) throws -> [Double] {
        for _ in 0..<warmup { try body() }
        var times: [Double] = []
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        return times.sorted()
    }

    private static func median(_ sorted: [Double]) -> Double {
        sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
