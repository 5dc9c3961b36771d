import ArgumentParser
import Foundation
import Importer
import Runtime

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time a model's forward pass: median (and min/max) of repeated runs after warm-up.",
        discussion: "Threads follow OMP_NUM_THREADS (oneDNN's OpenMP runtime reads it at start). scripts/benchmark.py runs this side by side with onnxruntime.")

    @Argument(help: "An ONNX file.") var model: String
    @Option(name: .customLong("input"), help: "NAME=FILE.npy or NAME=random:SEED (repeatable).") var inputs: [String] = []
    @Option(name: .customLong("dim"), help: "SYMBOL=SIZE for symbolic dimensions (repeatable).") var dims: [String] = []
    @Option(help: "Warm-up runs (the first one plans).") var warmup: Int = 3
    @Option(name: .customLong("repeat"), help: "Timed runs.") var repeats: Int = 20
    @Option(help: "Backend: dnnl (default) or reference.") var backend: String = "dnnl"
    @Flag(help: "Print per-op-type time of one extra run.") var profile = false
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
        let session = try Session(model: result.model, backend: kind)
        for _ in 0..<warmup { _ = try session.run(feeds) }
        var times: [Double] = []
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = try session.run(feeds)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        times.sort()
        let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
        var profileOut: [(String, Double)] = []
        if profile {
            session.profiling = true
            _ = try session.run(feeds)
            profileOut = session.profile.sorted { $0.value > $1.value }.map { ($0.key, $0.value * 1000) }
        }
        if json {
            var obj: [String: Any] = ["model": model, "backend": backend, "median_ms": median, "min_ms": times.first!,
                                      "max_ms": times.last!, "runs": times.count]
            if profile { obj["profile_ms"] = Dictionary(uniqueKeysWithValues: profileOut) }
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "%@ [%@]: median %.3f ms (min %.3f, max %.3f) over %d runs", model, backend, median, times.first!, times.last!, times.count))
            for (op, ms) in profileOut { print(String(format: "  %-28@ %9.3f ms", op as NSString, ms)) }
        }
    }
}
