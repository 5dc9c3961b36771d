import ArgumentParser
import Foundation
import Plugins
import Runtime

struct SegmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Segment images with a registered segmenter: colour label maps, a legend, and per-class areas.",
        discussion: """
        Writes, in the output folder: NAME.png (the label map in colour, at the model's resolution; \
        NAME is the image's file name without extension), legend.svg (the colours of the classes \
        found) and legend.csv (all classes), areas.csv and areas.json (per image and class: the \
        fraction of pixels and the mean score; in the JSON as arrays in the order of "labels"); with --scores also NAME.scores.npy ([classes, H, W]).
        """)

    @OptionGroup var options: PluginsOptions
    @Argument(help: "A segmenter's model id.") var id: String
    @Argument(help: "PNG or JPEG images.") var images: [String]
    @Option(help: "Output folder.") var out: String
    @Flag(help: "Also write the per-class scores of each image as .npy.") var scores = false
    @Option(help: "Backend: dnnl (default) or reference.") var backend: String = "dnnl"

    func run() throws {
        guard !images.isEmpty else { throw CLIError("give at least one image") }
        let segmenter = try options.zoo(backend: backend).segmenter(id)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var results: [(image: String, segmentation: Segmentation)] = []
        var names = Set<String>()
        var found = Set<Int>()
        for path in images {
            let seg = try segmenter.segment(ImageReader.read(path: path))
            var name = sanitisedFileName(((path as NSString).lastPathComponent as NSString).deletingPathExtension)
            var k = 2
            while names.contains(name) { name = sanitisedFileName(((path as NSString).lastPathComponent as NSString).deletingPathExtension) + "-\(k)"; k += 1 }
            names.insert(name)
            try PNGWriter.write(SegmentationOutput.colourMap(seg), to: file(name + ".png"))
            if scores { try NPY.write(seg.scores, to: file(name + ".scores.npy")) }
            for l in seg.labels { found.insert(Int(l)) }
            results.append((path, seg))
            let top = seg.areas.enumerated().filter { $0.element > 0 }.sorted { $0.element > $1.element }.prefix(5)
            print("\(path): " + top.map { String(format: "%@ %.2f%%", seg.classNames[$0.offset] as NSString, $0.element * 100) }.joined(separator: ", "))
        }
        try SegmentationOutput.legendSVG(names: segmenter.labels, labels: found.sorted()).write(toFile: file("legend.svg"), atomically: true, encoding: .utf8)
        try SegmentationOutput.legendCSV(names: segmenter.labels).write(toFile: file("legend.csv"), atomically: true, encoding: .utf8)
        try SegmentationOutput.areasCSV(results).write(toFile: file("areas.csv"), atomically: true, encoding: .utf8)
        let json = JSONValue.object([
            ("model", .string(id)), ("labels", .strings(segmenter.labels)),
            ("images", .array(results.map { r in
                .object([("file", .string(r.image)), ("width", .int(r.segmentation.width)), ("height", .int(r.segmentation.height)),
                         ("areas", .array(r.segmentation.areas.map { .number($0) })),
                         ("meanScores", .array(r.segmentation.meanScores.map { .number($0) }))])
            })),
        ])
        try JSONPrinter.pretty(json).write(toFile: file("areas.json"), atomically: true, encoding: .utf8)
        print("wrote \(results.count) label maps, legend.svg, legend.csv, areas.csv and areas.json to \(out)")
    }

    private func file(_ name: String) -> String { (out as NSString).appendingPathComponent(name) }
}
