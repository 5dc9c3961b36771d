import Foundation

/// The input and the prepared bars of the Generated Image Segmentation Statistics chart.
public enum SegmentationChartData {
    /// One segmentation class: its mean area in percent of the image on training (real) and
    /// generated images, and whether their difference is statistically significant (nil: unknown).
    public struct Row: Equatable {
        public var classIndex: Int
        public var name: String
        public var realMean: Double
        public var generatedMean: Double
        public var significant: Bool?
        /// False for classes that are not objects (stuff the caller wants left out).
        public var isObject: Bool

        public init(classIndex: Int, name: String, realMean: Double, generatedMean: Double,
                    significant: Bool? = nil, isObject: Bool = true) {
            self.classIndex = classIndex
            self.name = name
            self.realMean = realMean
            self.generatedMean = generatedMean
            self.significant = significant
            self.isObject = isObject
        }
    }

    /// A class as drawn: the relative difference (gen − real) / real, and the part of it shown.
    public struct Bar: Equatable {
        public let row: Row
        public let relative: Double
        public let shownRelative: Double

        public var isClipped: Bool { shownRelative != relative }

        /// The true relative difference printed beside a clipped bar, e.g. "+2.5", "−1.3"; nil when not clipped.
        public var clippedLabel: String? { isClipped ? SegmentationChartData.signed(relative) : nil }
    }

    /// Class 0 (unlabelled) and non-object classes dropped, then classes with no training area
    /// (their relative difference is undefined and a log axis cannot show them); the rest sorted by
    /// training mean area, largest first (ties by class index), and the first `top` kept.
    public static func bars(_ rows: [Row], top: Int, clip: ClosedRange<Double>) -> [Bar] {
        rows.filter { $0.classIndex != 0 && $0.isObject && $0.realMean > 0 && $0.realMean.isFinite
                      && $0.generatedMean >= 0 && $0.generatedMean.isFinite }
            .sorted { ($0.realMean, -$0.classIndex) > ($1.realMean, -$1.classIndex) }
            .prefix(max(top, 0))
            .map { row in
                let relative = (row.generatedMean - row.realMean) / row.realMean
                return Bar(row: row, relative: relative, shownRelative: min(max(relative, clip.lowerBound), clip.upperBound))
            }
    }

    /// Always signed, with a true minus sign; one decimal below 10, none above: "+2.5", "+12", "−0.8".
    public static func signed(_ v: Double) -> String {
        let magnitude = abs(v)
        let digits = magnitude >= 10 ? String(format: "%.0f", magnitude) : String(format: "%.1f", magnitude)
        return (v < 0 ? "−" : "+") + digits
    }
}
