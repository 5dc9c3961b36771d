import Foundation
import Runtime

/// The PNG and JPEG files under a folder (recursively; hidden files and folders skipped; the
/// extension `.png`, `.jpg` or `.jpeg` in any case selects a file, its signature picks the
/// decoder), in a fixed order: relative paths sorted by their UTF-8 bytes. With a count below
/// the number of files, a seeded random subset is used instead, as the original took a fixed
/// random subset of each data set (seed 1).
public struct ImageFolder {
    public let root: String
    /// Relative paths, sorted.
    public let files: [String]

    public static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    public init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RuntimeError(.badInput, "image folder \(path) does not exist")
        }
        guard isDirectory.boolValue else { throw RuntimeError(.badInput, "\(path) is not a folder of images") }
        guard let walker = FileManager.default.enumerator(atPath: path) else {
            throw RuntimeError(.badInput, "cannot list image folder \(path)")
        }
        var found: [String] = []
        while let next = walker.nextObject() as? String {
            let name = (next as NSString).lastPathComponent
            if name.hasPrefix(".") {
                walker.skipDescendants()
                continue
            }
            if Self.extensions.contains((name as NSString).pathExtension.lowercased()) { found.append(next) }
        }
        guard !found.isEmpty else {
            throw RuntimeError(.badInput, "image folder \(path) holds no PNG or JPEG images (.png, .jpg, .jpeg)")
        }
        root = path
        files = found.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// The images used for `count` of them (nil: all): every file in order, or — for fewer —
    /// a seeded random subset: the first `count` of a seeded Fisher–Yates shuffle, kept in file order.
    public func selection(count: Int?, seed: UInt64) throws -> [String] {
        guard let n = count, n != files.count else { return files }
        guard n >= 1, n <= files.count else {
            throw RuntimeError(.badInput, "--n \(n): image folder \(root) holds \(files.count) images")
        }
        var rng = SeededRandom(seed: seed)
        var order = Array(files.indices)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, FSDBootstrap.uniformIndex(i + 1, &rng)) }
        return order.prefix(n).sorted().map { files[$0] }
    }

    public func path(of file: String) -> String { (root as NSString).appendingPathComponent(file) }

    /// SHA-256 over the selected images: each one's relative path, size and bytes, in order.
    /// Two folders holding the same files under the same names hash alike wherever they are.
    public func hash(of selection: [String]) throws -> String {
        let digest = SHA256()
        for file in selection {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path(of: file)))
            } catch {
                throw RuntimeError(.badInput, "cannot read image \(path(of: file)): \(error.localizedDescription)")
            }
            digest.update(Data("\(file)\u{0}\(data.count)\u{0}".utf8))
            digest.update(data)
        }
        return digest.finish()
    }
}
