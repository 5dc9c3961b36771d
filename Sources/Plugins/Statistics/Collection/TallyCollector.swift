import Foundation
import Runtime

/// Runs a `TallyPlan`: each image of its range is read (or generated), brought to the
/// segmenter's input, segmented, and its label map added to a pixel-count tally. Two stages
/// overlap: a background thread reads, decodes or generates, resizes and makes the model
/// inputs while the calling thread segments and tallies (sessions are independent, so the
/// generator's and the segmenter's run at once), each stage with half of the compute threads
/// (on 2 cores, one each: a stage that started a team of both cores would wait on the other
/// stage's thread, which halved throughput). Memory holds a few images (a generator's batch)
/// and the tally, however many images there are.
public enum TallyCollector {
    /// Model inputs made ahead of the segmenter.
    static let prefetch = 8

    /// `progress` is called with the number of images done after each one.
    public static func run(_ plan: TallyPlan, progress: (Int) -> Void = { _ in }) throws -> SegmentationTally {
        let threads = ComputeThreads.available
        let inputs = Prefetch<(input: Tensor, name: String)>(capacity: prefetch) { emit in
            try ComputeThreads.limited(to: threads / 2) { try produceInputs(plan, emit) }
        }
        defer { inputs.cancel() }
        return try ComputeThreads.limited(to: threads - threads / 2) { try consume(plan, inputs, progress) }
    }

    private static func consume(_ plan: TallyPlan, _ inputs: Prefetch<(input: Tensor, name: String)>,
                                _ progress: (Int) -> Void) throws -> SegmentationTally {
        var tally: SegmentationTally?
        var done = 0
        while let (x, name) = try inputs.next() {
            do {
                let (labels, _, _) = try plan.segmenter.labels(input: x)
                if tally == nil {
                    tally = try SegmentationTally(classNames: plan.classNames, accumulation: .pixelCounts(pixelsPerImage: labels.count),
                                                  keepsPerImage: plan.keepsPerImage, provenance: plan.provenance)
                }
                try tally!.add(labels: labels)
            } catch {
                throw RuntimeError(.badInput, "\(name): \(error)")
            }
            done += 1
            progress(done)
        }
        guard let tally else { throw RuntimeError(.badInput, "no images to tally") }
        return tally
    }

    /// The segmenter inputs of the plan's images, in order, each with a name for messages.
    static func produceInputs(_ plan: TallyPlan, _ emit: ((input: Tensor, name: String)) throws -> Void) throws {
        func input(_ image: RGBImage, _ name: String) throws -> (input: Tensor, name: String) {
            do {
                return (try plan.segmenter.input(prepared: plan.preprocessing.prepare(image)), name)
            } catch {
                throw RuntimeError(.badInput, "\(name): \(error)")
            }
        }
        switch plan.source {
        case let .images(folder, files):
            for i in plan.range {
                let path = folder.path(of: files[i])
                try emit(input(try ImageReader.read(path: path), path))
            }
        case let .generator(generator, batch):
            var latents = generator.latentStream(seed: plan.seed)
            latents.skip(plan.range.lowerBound)
            for start in stride(from: plan.range.lowerBound, to: plan.range.upperBound, by: batch) {
                let n = min(batch, plan.range.upperBound - start)
                for (k, image) in try generatedImages(generator, latents.next(n)).enumerated() {
                    try emit(input(image, "generated image \(start + k) (seed \(plan.seed))"))
                }
            }
        }
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
