import Plugins

/// Made-up but realistic bedroom statistics (mean area in % of the image) in the shape the
/// segmentation statistics produce: unsorted, with class 0 and a non-object class to be
/// dropped, more classes than the chart shows, people under-produced (−0.8) and lights
/// over-produced beyond the clip range (+2.5).
enum ChartSampleData {
    static let rows: [SegmentationChartData.Row] = {
        // (class index, name, training mean %, relative difference, significant)
        let table: [(Int, String, Double, Double, Bool?)] = [
            (0, "-", 40.0, 0.0, nil),
            (1, "wall", 31.2, 0.04, false),
            (4, "floor", 12.8, -0.06, false),
            (6, "ceiling", 9.6, 0.11, true),
            (8, "bed", 19.4, -0.02, false),
            (9, "windowpane", 4.9, -0.21, true),
            (13, "person", 0.62, -0.8, true),
            (15, "door", 1.35, -0.45, true),
            (19, "curtain", 4.1, -0.12, true),
            (20, "chair", 0.74, -0.33, true),
            (23, "painting", 2.6, 0.18, true),
            (24, "sofa", 0.58, 0.27, false),
            (25, "shelf", 0.33, -0.52, true),
            (28, "rug", 1.9, 0.09, false),
            (32, "fence", 0.02, 0.5, false),
            (36, "lamp", 1.1, 0.35, true),
            (37, "bathtub", 0.05, -0.3, false),
            (40, "cushion", 1.6, -0.28, true),
            (42, "box", 0.21, -0.61, true),
            (45, "chest of drawers", 0.88, -0.18, false),
            (58, "pillow", 2.3, 0.06, false),
            (63, "blind", 0.41, -0.38, true),
            (65, "toilet", 0.03, 0.2, false),
            (66, "flower", 0.09, -0.55, false),
            (67, "book", 0.16, -0.72, true),
            (72, "table", 1.7, -0.15, true),
            (75, "wardrobe", 3.3, -0.31, true),
            (78, "mirror", 0.95, 0.42, true),
            (83, "light", 0.27, 2.5, true),
            (85, "chandelier", 0.46, 1.05, true),
            (90, "television receiver", 0.38, -0.24, false),
            (100, "plant", 0.52, -0.41, true),
            (107, "vase", 0.12, 0.15, false),
            (117, "clock", 0.1, -0.66, true),
            (135, "fan", 0.14, 0.61, false),
            (139, "sconce", 0.11, 1.6, true),
            (146, "radiator", 0.08, 0.9, false),
            (150, "sky", 0.7, 0.3, nil),
        ]
        return table.map { index, name, real, relative, significant in
            SegmentationChartData.Row(classIndex: index, name: name, realMean: real, generatedMean: real * (1 + relative),
                                      significant: significant, isObject: name != "sky")
        }
    }()
}
