import Foundation
import Runtime

/// `--input NAME=FILE.npy` or `--input NAME=random:SEED`, resolved against the graph's
/// declared inputs (random inputs take the declared shape, symbolic dims from `--dim`).
struct InputSpec {
    enum Source { case file(String), random(UInt64) }
    let name: String
    let source: Source

    init(parsing text: String) throws {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw CLIError("--input expects NAME=FILE.npy or NAME=random:SEED, got '\(text)'")
        }
        name = String(text[..<eq])
        let value = String(text[text.index(after: eq)...])
        if value.hasPrefix("random:") {
            guard let seed = UInt64(value.dropFirst("random:".count)) else {
                throw CLIError("--input \(name): seed in '\(value)' must be a non-negative integer")
            }
            source = .random(seed)
        } else {
            guard !value.isEmpty else { throw CLIError("--input \(name): missing file name") }
            source = .file(value)
        }
    }

    /// `--dim N=1` pairs.
    static func parseDims(_ specs: [String]) throws -> [String: Int] {
        var dims: [String: Int] = [:]
        for s in specs {
            let parts = s.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let v = Int(parts[1]), v >= 0 else {
                throw CLIError("--dim expects SYMBOL=SIZE (e.g. N=1), got '\(s)'")
            }
            dims[parts[0]] = v
        }
        return dims
    }

    func load(declared: ValueInfo?, dims: [String: Int]) throws -> Tensor {
        switch source {
        case .file(let path):
            return try NPY.read(path: path)
        case .random(let seed):
            guard let d = declared else {
                throw CLIError("--input \(name)=random:…: '\(name)' is not a declared input, so its shape is unknown")
            }
            guard let declaredShape = d.shape else {
                throw CLIError("input '\(name)' has no declared shape; give a file instead of random:\(seed)")
            }
            let shape = try declaredShape.enumerated().map { i, dim -> Int in
                switch dim {
                case .fixed(let v): return v
                case .symbolic(let s):
                    guard let v = dims[s] else {
                        throw CLIError("input '\(name)' dimension \(i) is symbolic ('\(s)'): give its size with --dim \(s)=SIZE")
                    }
                    return v
                case .unknown:
                    throw CLIError("input '\(name)' dimension \(i) is unknown: give a file instead of random:\(seed)")
                }
            }
            let dtype = d.dtype ?? .float32
            let normal = Tensor.randomNormal(shape, seed: seed)
            if dtype == .float32 { return normal }
            if dtype.isFloatingPoint { return normal.converted(to: dtype) }
            // Integer/bool inputs: small non-negative values, also seeded.
            var rng = SeededRandom(seed: seed)
            return Tensor(shape: shape, dtype: dtype, doubles: (0..<shape.reduce(1, *)).map { _ in
                Double(rng.next() % (dtype == .bool ? 2 : 10))
            })
        }
    }
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Output file name for a graph value: characters outside [A-Za-z0-9._-] become '_'.
func sanitisedFileName(_ name: String) -> String {
    String(name.unicodeScalars.map { c -> Character in
        let ok = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "." || c == "_" || c == "-"
        return ok ? Character(c) : "_"
    })
}
