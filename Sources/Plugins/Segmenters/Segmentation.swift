import Runtime

/// One image's segmentation: a class index per pixel plus the per-class statistics the FSD
/// pipeline uses (area fraction = bincount / (H·W)) and the mean class score.
public struct Segmentation {
    public let width: Int
    public let height: Int
    public let classNames: [String]
    /// height × width class indices, row-major (16-bit: scene parsers have hundreds of classes).
    public let labels: [UInt16]
    /// [classes, height, width] per-class probabilities.
    public let scores: Tensor
    /// Fraction of pixels labelled with each class; sums to 1.
    public let areas: [Double]
    /// Mean probability of each class over the image.
    public let meanScores: [Double]

    /// `scores` is [classes, height, width]; `labels` must index `classNames`.
    public init(classNames: [String], labels: [UInt16], scores: Tensor) throws {
        guard scores.rank == 3, scores.shape[0] == classNames.count, labels.count == scores.shape[1] * scores.shape[2] else {
            throw RuntimeError.invalid("segmentation: scores \(scores.shape) and \(labels.count) labels do not fit \(classNames.count) classes")
        }
        guard labels.allSatisfy({ Int($0) < classNames.count }) else {
            throw RuntimeError.invalid("segmentation: a label is not below the class count \(classNames.count)")
        }
        self.classNames = classNames
        self.labels = labels
        self.scores = scores
        (height, width) = (scores.shape[1], scores.shape[2])
        var counts = [Int](repeating: 0, count: classNames.count)
        for l in labels { counts[Int(l)] += 1 }
        areas = counts.map { Double($0) / Double(labels.count) }
        let plane = labels.count
        meanScores = scores.withUnsafeBufferPointer(as: Float.self) { p in
            (0..<classNames.count).map { c in
                var sum = 0.0
                for i in 0..<plane { sum += Double(p[c * plane + i]) }
                return sum / Double(plane)
            }
        }
    }

    /// The area fraction of the class called `name` (nil if there is none).
    public func area(of name: String) -> Double? {
        classNames.firstIndex(of: name).map { areas[$0] }
    }
}
