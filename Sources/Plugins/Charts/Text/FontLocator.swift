import Foundation

/// Finds the TrueType font charts are drawn with: DejaVu Sans from Debian's fonts-dejavu-core
/// (installed by scripts/bootstrap.sh). `SEEING_FONT` names another font file instead.
public enum FontLocator {
    public static let fileName = "DejaVuSans.ttf"
    public static let environmentVariable = "SEEING_FONT"

    /// Where distributions put it; searched before walking the font directories.
    static let knownPaths = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",  // Debian, Ubuntu
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",  // Fedora, Arch
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/local/share/fonts/DejaVuSans.ttf",
        "/opt/homebrew/share/fonts/DejaVuSans.ttf",
        "/Library/Fonts/DejaVuSans.ttf",
    ]
    static let searchRoots = ["/usr/share/fonts", "/usr/local/share/fonts", "/opt/homebrew/share/fonts", "/Library/Fonts"]

    public static func defaultFontPath(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        let fm = FileManager.default
        if let path = environment[environmentVariable], !path.isEmpty {
            guard fm.isReadableFile(atPath: path) else {
                throw ChartError("\(environmentVariable)=\(path) is not a readable font file")
            }
            return path
        }
        if let path = knownPaths.first(where: { fm.isReadableFile(atPath: $0) }) { return path }
        for root in searchRoots {
            guard let walker = fm.enumerator(atPath: root) else { continue }
            while let relative = walker.nextObject() as? String {
                if (relative as NSString).lastPathComponent == fileName {
                    let path = root + "/" + relative
                    if fm.isReadableFile(atPath: path) { return path }
                }
            }
        }
        throw ChartError("""
            cannot find the chart font \(fileName) (looked in \(knownPaths[0]) and under \(searchRoots.joined(separator: ", "))); \
            install it with `apt-get install fonts-dejavu-core` (scripts/bootstrap.sh does) or set \(environmentVariable) to a .ttf file
            """)
    }
}

public struct ChartError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
