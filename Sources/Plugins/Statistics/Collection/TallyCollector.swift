import Foundation
import Runtime

/// Runs a `TallyPlan`: each image of its range is read (or generated), brought to the
/// segmenter's input, segmented, and its label map added to a pixel-count tally. Memory holds
/// one image (one batch for a generator) and the tally.
public enum TallyCollector {
    /// `progress` is called with the number of images done after each one.
    public static func run(_ plan: TallyPlan, progress: (Int) -> Void = { _ in }) throws -> SegmentationTally {
        var tally: SegmentationTally?
        var done = 0
        func add(_ image: RGBImage, _ name: () -> String) throws {
            do {
                let (labels, _, _) = try plan.segmenter.labels(prepared: plan.preprocessing.prepare(image))
                if tally == nil {
                    tally = try SegmentationTally(classNames: plan.classNames, accumulation: .pixelCounts(pixelsPerImage: labels.count),
                                                  keepsPerImage: plan.keepsPerImage, provenance: plan.provenance)
                }
                try tally!.add(labels: labels)
            } catch {
                throw RuntimeError(.badInput, "\(name()): \(error)")
            }
            done += 1
            progress(done)
        }
        switch plan.source {
        case let .images(folder, files):
            for i in plan.range {
                let path = folder.path(of: files[i])
                try add(try ImageReader.read(path: path)) { path }
            }
        case let .generator(generator, batch):
            var latents = generator.latentStream(seed: plan.seed)
            latents.skip(plan.range.lowerBound)
            for start in stride(from: plan.range.lowerBound, to: plan.range.upperBound, by: batch) {
                let n = min(batch, plan.range.upperBound - start)
                let images = try generatedImages(generator, latents.next(n))
                for (k, image) in images.enumerated() { try add(image) { "generated image \(start + k) (seed \(plan.seed))" } }
            }
        }
        guard let tally else { throw RuntimeError(.badInput, "no images to tally") }
        return tally
    }

    /// A batch of generator output as 8-bit RGB images, as saved samples would be.
    static func generatedImages(_ generator: GraphGenerator, _ z: Tensor) throws -> [RGBImage] {
        var y = try generator.generate(z)
        if generator.image.layout == "NHWC", y.rank == 4 { y = nchw(y) }
        return try ImageGrid.images(from: y, range: generator.image.range ?? -1...1).map(RGBImage.init)
    }

    /// [N, H, W, C] → [N, C, H, W].
    static func nchw(_ t: Tensor) -> Tensor {
        let (n, h, w, c) = (t.shape[0], t.shape[1], t.shape[2], t.shape[3])
        var out = Tensor(zeros: [n, c, h, w])
        t.converted(to: .float32).withUnsafeBufferPointer(as: Float.self) { src in
            out.withUnsafeMutableBufferPointer(as: Float.self) { dst in
                for b in 0..<n { for i in 0..<(h * w) { for k in 0..<c { dst[(b * c + k) * h * w + i] = src[(b * h * w + i) * c + k] } } }
            }
        }
        return out
    }
}
