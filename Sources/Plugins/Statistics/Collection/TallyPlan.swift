import Foundation
import Runtime

/// What one `seeing stats` run tallies: which images (a folder's selection or a generator's
/// seeded samples), through which segmenter, with which preprocessing, which shard of them;
/// and the provenance that identifies the result (it keys the cache and guards merges).
public struct TallyPlan {
    public enum Source {
        /// An image folder and the selected files (all shards), in order.
        case images(ImageFolder, files: [String])
        /// A generator's samples from seeded latents, `batch` per forward pass.
        case generator(GraphGenerator, batch: Int)
    }

    public let source: Source
    public let segmenter: GraphSegmenter
    /// Image → segmenter input: the shorter side resized to the input size, the centre cropped.
    public let preprocessing: ImagePreprocessing
    /// Images in the planned set (all shards together).
    public let total: Int
    public let seed: UInt64
    public let shard: Shard?
    /// This run's images, indices into the planned set.
    public let range: Range<Int>
    public let keepsPerImage: Bool
    public let provenance: TallyProvenance

    public var classNames: [String] { segmenter.labels }

    /// The size images are brought to when the segmenter states none (the original's 256).
    public static let defaultSize = 256

    /// Tallies `count` images of `folder` (nil: all; fewer: a subset seeded by `seed`).
    public static func images(_ folder: ImageFolder, count: Int?, seed: UInt64, segmenter: String, zoo: Zoo,
                              shard: Shard?, keepsPerImage: Bool) throws -> TallyPlan {
        let files = try folder.selection(count: count, seed: seed)
        let range = try shard?.range(of: files.count) ?? 0..<files.count
        let which = files.count == folder.files.count ? "all \(files.count)" : "\(files.count) (seeded subset) of \(folder.files.count)"
        let (seg, entry) = try load(segmenter, zoo)
        let pre = try statisticsPreprocessing(seg)
        let hash = try folder.hash(of: files)
        return TallyPlan(source: .images(folder, files: files), segmenter: seg, preprocessing: pre, total: files.count, seed: seed,
                         shard: shard, range: range, keepsPerImage: keepsPerImage,
                         provenance: TallyProvenance(segmenter: entry.identity, preprocessing: describe(pre),
                                                     source: "image folder: \(which) PNG/JPEG files",
                                                     sourceHash: "sha256:" + hash, seed: seed,
                                                     plannedCount: files.count, shard: shard.map { ($0.index, $0.count) }))
    }

    /// Tallies `count` samples of generator `id` from latents seeded by `seed`, `batch` at a time.
    public static func generator(_ id: String, count: Int, seed: UInt64, batch: Int, segmenter: String, zoo: Zoo,
                                 shard: Shard?, keepsPerImage: Bool) throws -> TallyPlan {
        guard count >= 1 else { throw RuntimeError(.badInput, "--n must be at least 1 for a generator, got \(count)") }
        guard batch >= 1 else { throw RuntimeError(.badInput, "--batch must be at least 1, got \(batch)") }
        let generator = try zoo.generator(id)
        let entry = try zoo.catalog.model(id)
        let range = try shard?.range(of: count, unit: batch) ?? 0..<count
        let (seg, segEntry) = try load(segmenter, zoo)
        let pre = try statisticsPreprocessing(seg)
        let imageRange = generator.image.range ?? -1...1
        let source = "generator \(entry.identity): \(generator.latent.distribution ?? .normal) latents \(generator.latentShape) "
            + "in batches of \(batch), images \(imageRange.lowerBound)…\(imageRange.upperBound) rounded to 8-bit RGB"
        return TallyPlan(source: .generator(generator, batch: batch), segmenter: seg, preprocessing: pre, total: count, seed: seed,
                         shard: shard, range: range, keepsPerImage: keepsPerImage,
                         provenance: TallyProvenance(segmenter: segEntry.identity, preprocessing: describe(pre), source: source,
                                                     sourceHash: entry.primaryFile.map { "sha256:" + $0.sha256 }, seed: seed,
                                                     plannedCount: count, shard: shard.map { ($0.index, $0.count) }))
    }

    private static func load(_ id: String, _ zoo: Zoo) throws -> (GraphSegmenter, ModelEntry) {
        let segmenter = try zoo.segmenter(id)
        return (segmenter, try zoo.catalog.model(id))
    }

    /// The segmenter's own value mapping, with the original's geometry: resize so the image
    /// covers the input size (the shorter side fits), then crop the centre. The size is the
    /// segmenter's preprocessing size, else its input port's, else `defaultSize`.
    static func statisticsPreprocessing(_ s: GraphSegmenter) throws -> ImagePreprocessing {
        var p = s.preprocessing
        if p.size == nil {
            if let c = s.input.chw, let h = c.h, let w = c.w { p.size = [h, w] } else { p.size = [defaultSize, defaultSize] }
        }
        p.resize = .centreCrop
        return p
    }

    static func describe(_ p: ImagePreprocessing) -> String {
        let size = p.size ?? [defaultSize, defaultSize]
        return "8-bit RGB, resized (PIL bilinear, antialiased) so the shorter side covers \(size[0])×\(size[1]), centre-cropped to it; model input: \(p)"
    }
}
