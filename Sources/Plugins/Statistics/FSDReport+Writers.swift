import Foundation
import Runtime

extension FSDReport {
    /// The whole report as JSON (sorted keys; absent optional values are left out; the infinite
    /// t of two different constant areas is the string "Infinity"). Written atomically.
    public func writeJSON(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        try write(try encoder.encode(self), to: path)
    }

    /// The per-class rows as CSV (one header line, rows in report order, numbers in shortest
    /// round-trip form, empty fields for absent values). Written atomically.
    public func writeCSV(to path: String) throws {
        try write(Data(csv().utf8), to: path)
    }

    func csv() -> String {
        var lines = ["index,name,real_mean_percent,generated_mean_percent,relative_difference,t,df,p,q,significant,direction,excluded"]
        func number(_ x: Double?) -> String { x.map { "\($0)" } ?? "" }
        for r in classes {
            lines.append([
                "\(r.index)", Self.csvField(r.name), number(r.realMean), number(r.generatedMean), number(r.relativeDifference),
                number(r.test?.t), number(r.test?.degreesOfFreedom), number(r.test?.p), number(r.q),
                "\(r.significant)", r.direction ?? "", "\(r.excluded)",
            ].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// RFC 4180 quoting for fields holding commas, quotes or line breaks.
    public static func csvField(_ s: String) -> String {
        guard s.contains(where: { ",\"\n\r".contains($0) }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private func write(_ data: Data, to path: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw RuntimeError(.badInput, "cannot write \(path): \(error.localizedDescription)")
        }
    }
}
