import Foundation

/// What `seeing segment` writes: colour label maps, their legend, and per-class areas.
public enum SegmentationOutput {
    /// The PASCAL VOC colour map: label 0 black, then well separated colours (the bits of the
    /// label spread over the high bits of R, G and B). Distinct for the first 256 labels and
    /// repeats after that.
    public static func colour(_ label: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        var (r, g, b) = (0, 0, 0)
        var c = label % 256
        for shift in stride(from: 7, through: 0, by: -1) {
            r |= (c & 1) << shift
            g |= ((c >> 1) & 1) << shift
            b |= ((c >> 2) & 1) << shift
            c >>= 3
            if c == 0 { break }
        }
        return (UInt8(r), UInt8(g), UInt8(b))
    }

    /// The label map in colour.
    public static func colourMap(_ s: Segmentation) -> Image8 {
        var px = [UInt8](repeating: 0, count: s.width * s.height * 3)
        for (i, l) in s.labels.enumerated() {
            let c = colour(Int(l))
            px[i * 3] = c.r
            px[i * 3 + 1] = c.g
            px[i * 3 + 2] = c.b
        }
        return Image8(width: s.width, height: s.height, channels: 3, pixels: px)
    }

    /// An SVG legend: a swatch and the name of each of `labels` (indices into `names`).
    public static func legendSVG(names: [String], labels: [Int]) -> String {
        let row = 22, width = 40 + 8 * (labels.map { names[$0].count + 6 }.max() ?? 10)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(row * labels.count + 8)\" font-family=\"sans-serif\" font-size=\"14\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        for (k, l) in labels.enumerated() {
            let c = colour(l), y = 4 + k * row
            svg += "<rect x=\"4\" y=\"\(y)\" width=\"28\" height=\"18\" fill=\"rgb(\(c.r),\(c.g),\(c.b))\" stroke=\"black\"/>"
            svg += "<text x=\"40\" y=\"\(y + 14)\">\(l) \(escapeXML(names[l]))</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// label,index,r,g,b for every class.
    public static func legendCSV(names: [String]) -> String {
        "index,label,r,g,b\n" + names.enumerated().map { i, n in
            let c = colour(i)
            return "\(i),\(csvField(n)),\(c.r),\(c.g),\(c.b)"
        }.joined(separator: "\n") + "\n"
    }

    /// One row per image and class: image,index,label,area,mean_score.
    public static func areasCSV(_ results: [(image: String, segmentation: Segmentation)]) -> String {
        var out = "image,index,label,area,mean_score\n"
        for (image, s) in results {
            for (i, n) in s.classNames.enumerated() {
                out += "\(csvField(image)),\(i),\(csvField(n)),\(s.areas[i]),\(s.meanScores[i])\n"
            }
        }
        return out
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    static func escapeXML(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
