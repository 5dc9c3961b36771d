import Foundation

/// A training checkpoint on disk: a folder `step-<N>` holding every parameter and every
/// optimizer buffer as .npy (exact), `meta.json`, and optionally the model exported with the
/// trained weights (written by a hook, e.g. ONNX). Folders are written under a temporary
/// name and renamed into place, so a kill never leaves a half-written checkpoint.
public struct Checkpoint {
    public var step: Int
    public var parameters: [String: Tensor]
    public var optimizerState: [String: Tensor]

    public init(step: Int, parameters: [String: Tensor], optimizerState: [String: Tensor]) {
        self.step = step
        self.parameters = parameters
        self.optimizerState = optimizerState
    }

    /// Writes `dir/step-<N>` atomically; `extra` may add files (e.g. model.onnx) to the folder.
    public func write(to dir: String, extra: ((String) throws -> Void)? = nil) throws -> String {
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let final = (dir as NSString).appendingPathComponent(String(format: "step-%08d", step))
        let tmp = final + ".tmp-\(getpid())"
        try? fm.removeItem(atPath: tmp)
        try fm.createDirectory(atPath: tmp + "/parameters", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: tmp + "/optimizer", withIntermediateDirectories: true)
        var index: [String: [String: String]] = ["parameters": [:], "optimizer": [:]]
        for (group, tensors) in [("parameters", parameters), ("optimizer", optimizerState)] {
            for (i, name) in tensors.keys.sorted().enumerated() {
                let file = "\(group)/\(i).npy"
                try NPY.write(tensors[name]!, to: tmp + "/" + file)
                index[group]![name] = file
            }
        }
        let meta: [String: Any] = ["step": step, "files": index]
        try JSONSerialization.data(withJSONObject: meta, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: tmp + "/meta.json"))
        try extra?(tmp)
        if fm.fileExists(atPath: final) { try fm.removeItem(atPath: final) }
        try fm.moveItem(atPath: tmp, toPath: final)
        return final
    }

    public static func read(from folder: String) throws -> Checkpoint {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/meta.json"))
        guard let meta = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let step = meta["step"] as? Int, let files = meta["files"] as? [String: [String: String]] else {
            throw RuntimeError(.badInput, "\(folder)/meta.json is not a checkpoint description")
        }
        func load(_ group: String) throws -> [String: Tensor] {
            var out: [String: Tensor] = [:]
            for (name, file) in files[group] ?? [:] { out[name] = try NPY.read(path: folder + "/" + file) }
            return out
        }
        return Checkpoint(step: step, parameters: try load("parameters"), optimizerState: try load("optimizer"))
    }

    /// The newest complete checkpoint folder in `dir`, if any.
    public static func latest(in dir: String) -> String? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return nil }
        return names.filter { $0.hasPrefix("step-") && !$0.contains(".tmp") }.sorted().last
            .map { (dir as NSString).appendingPathComponent($0) }
    }
}
