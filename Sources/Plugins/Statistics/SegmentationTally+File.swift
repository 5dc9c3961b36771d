import Foundation
import Runtime

/// On disk a tally is a folder: `tally.json` (classes, count, accumulation, provenance),
/// `sums.npy` [classes], `products.npy` [classes, classes] (int64 pixel counts or float64
/// percent, as accumulated) and, when kept, the per-image areas in percent as a compressed
/// sparse row matrix [count, classes] in scipy's terms: `images_indptr.npy` (int64, count + 1
/// row starts), `images_indices.npy` (int32 class of each nonzero entry, ascending within a
/// row) and `images_data.npy` (float64 percent). A segmentation covers a few of its classes, so
/// this is ~1 MB for 10,000 images where the dense matrix of 336 classes is 27 MB. numpy reads
/// every array directly (`scipy.sparse.csr_matrix((data, indices, indptr))` for the rows).
/// Writing goes to a temporary sibling folder that is renamed into place, so a reader never
/// sees a half-written tally.
extension SegmentationTally {
    static let formatName = "seeing.segmentation-tally"
    static let formatVersion = 2

    struct Header: Codable {
        var format: String
        var version: Int
        var classNames: [String]
        var count: Int
        /// "pixelCounts" or "areaFractions".
        var accumulation: String
        var pixelsPerImage: Int?
        var keepsPerImage: Bool
        var units: String
        var provenance: TallyProvenance
    }

    public func write(to path: String) throws {
        let fm = FileManager.default
        let tmp = path + ".tmp-\(getpid())-\(UUID().uuidString)"
        try fm.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        do {
            let header = Header(
                format: Self.formatName, version: Self.formatVersion, classNames: classNames, count: count,
                accumulation: pixelsPerImage == nil ? "areaFractions" : "pixelCounts", pixelsPerImage: pixelsPerImage,
                keepsPerImage: keepsPerImage,
                units: pixelsPerImage == nil ? "percent of image area" : "pixels (percent = pixels / pixelsPerImage * 100)",
                provenance: provenance)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(header).write(to: URL(fileURLWithPath: tmp + "/tally.json"))
            try NPY.write(sumTensor(), to: tmp + "/sums.npy")
            try NPY.write(productTensor(), to: tmp + "/products.npy")
            if keepsPerImage {
                let rows = sparseRows()
                try NPY.write(Tensor(shape: [rows.indptr.count], values: rows.indptr), to: tmp + "/images_indptr.npy")
                try NPY.write(Tensor(shape: [rows.indices.count], values: rows.indices), to: tmp + "/images_indices.npy")
                try NPY.write(Tensor(shape: [rows.data.count], values: rows.data), to: tmp + "/images_data.npy")
            }
            if fm.fileExists(atPath: path) {
                let old = path + ".old-\(getpid())-\(UUID().uuidString)"
                try fm.moveItem(atPath: path, toPath: old)
                try fm.moveItem(atPath: tmp, toPath: path)
                try? fm.removeItem(atPath: old)
            } else {
                try fm.moveItem(atPath: tmp, toPath: path)
            }
        } catch {
            try? fm.removeItem(atPath: tmp)
            throw RuntimeError(.badInput, "cannot write tally to \(path): \(error)")
        }
    }

    /// Reads and validates a tally folder: header fields, array shapes and dtypes, truncation
    /// (reported by the .npy reader), and for pixel counts the exact identities every image
    /// satisfies (its counts sum to the pixel count; Σ_j Σxᵢxⱼ = P·Σxᵢ).
    public static func read(from path: String) throws -> SegmentationTally {
        func fail(_ message: String) -> RuntimeError { RuntimeError(.badInput, "tally \(path): \(message)") }
        let header: Header
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path + "/tally.json"))
            header = try JSONDecoder().decode(Header.self, from: data)
        } catch {
            throw fail("cannot read tally.json: \(error)")
        }
        guard header.format == formatName, header.version == formatVersion else {
            throw fail("format '\(header.format)' version \(header.version); expected '\(formatName)' version \(formatVersion)")
        }
        let accumulation: Accumulation
        switch (header.accumulation, header.pixelsPerImage) {
        case ("pixelCounts", let p?): accumulation = .pixelCounts(pixelsPerImage: p)
        case ("areaFractions", nil): accumulation = .areaFractions
        default: throw fail("accumulation '\(header.accumulation)' with pixelsPerImage \(String(describing: header.pixelsPerImage)) is not valid")
        }
        guard header.count >= 0 else { throw fail("negative image count \(header.count)") }
        var tally = try SegmentationTally(classNames: header.classNames, accumulation: accumulation,
                                          keepsPerImage: header.keepsPerImage, provenance: header.provenance)
        guard header.count <= tally.capacity else { throw fail("\(header.count) images exceed the capacity \(tally.capacity)") }
        let k = tally.classCount
        func load(_ name: String, _ shape: [Int], _ dtype: DType) throws -> Tensor {
            let t: Tensor
            do {
                t = try NPY.read(path: path + "/" + name)
            } catch {
                throw fail("\(name): \(error)")
            }
            guard t.shape == shape, t.dtype == dtype else {
                throw fail("\(name) is \(t.dtype)\(t.shape); expected \(dtype)\(shape) for \(k) classes and \(header.count) images")
            }
            return t
        }
        tally.count = header.count
        switch accumulation {
        case .pixelCounts(let pixels):
            let sums = try load("sums.npy", [k], .int64).toArray(Int64.self)
            let products = try load("products.npy", [k, k], .int64).toArray(Int64.self)
            guard sums.allSatisfy({ $0 >= 0 }), sums.reduce(0, { $0 &+ $1 }) == Int64(header.count) * Int64(pixels) else {
                throw fail("pixel sums do not add up to \(header.count) images × \(pixels) pixels")
            }
            for i in 0..<k {
                var row: Int64 = 0
                for j in 0..<k {
                    guard products[i * k + j] == products[j * k + i], products[i * k + j] >= 0 else {
                        throw fail("products.npy is not a symmetric non-negative matrix at (\(i), \(j))")
                    }
                    row &+= products[i * k + j]
                }
                guard row == sums[i] &* Int64(pixels) else { throw fail("products.npy row \(i) does not match sums.npy") }
            }
            tally.countSums = sums
            tally.countProducts = products
        case .areaFractions:
            let sums = try load("sums.npy", [k], .float64).toArray(Double.self)
            let products = try load("products.npy", [k, k], .float64).toArray(Double.self)
            guard sums.allSatisfy({ $0.isFinite && $0 >= 0 }), products.allSatisfy(\.isFinite) else {
                throw fail("sums.npy or products.npy holds negative or non-finite values")
            }
            for i in 0..<k { for j in 0..<i where products[i * k + j] != products[j * k + i] {
                throw fail("products.npy is not symmetric at (\(i), \(j))")
            } }
            tally.percentSums = sums
            tally.percentProducts = products
        }
        // Only the upper triangle is accumulated; keep the lower one zero as in a fresh tally.
        for i in 0..<k {
            for j in 0..<i {
                if tally.countProducts.isEmpty { tally.percentProducts[i * k + j] = 0 } else { tally.countProducts[i * k + j] = 0 }
            }
        }
        if header.keepsPerImage {
            tally.perImage = try readRows(path: path, count: header.count, classes: k, pixels: tally.pixelsPerImage, load: load, fail: fail)
            if header.count > 0 {
                let expected = try tally.mean()
                for c in 0..<k {
                    var s = 0.0
                    for n in 0..<header.count { s += tally.perImage[n * k + c] }
                    guard abs(s / Double(header.count) - expected[c]) <= 1e-9 * max(expected[c], 1) else {
                        throw fail("per-image areas of class \(c) have mean \(s / Double(header.count)), the sums say \(expected[c])")
                    }
                }
            }
        }
        return tally
    }

    /// The per-image rows as compressed sparse rows: row starts, classes, percent values.
    func sparseRows() -> (indptr: [Int64], indices: [Int32], data: [Double]) {
        var indptr: [Int64] = [0], indices: [Int32] = [], data: [Double] = []
        indptr.reserveCapacity(count + 1)
        for n in 0..<count {
            for c in 0..<classCount where perImage[n * classCount + c] != 0 {
                indices.append(Int32(c))
                data.append(perImage[n * classCount + c])
            }
            indptr.append(Int64(indices.count))
        }
        return (indptr, indices, data)
    }

    /// Reads and checks the sparse rows into a dense count × classes matrix: row starts from 0
    /// to the entry count, classes ascending within a row, values in (0, 100]; for pixel counts
    /// every value is exactly pixels/P·100 for a whole number of pixels, and a row's pixels add up to P.
    private static func readRows(path: String, count: Int, classes k: Int, pixels: Int?,
                                 load: (String, [Int], DType) throws -> Tensor, fail: (String) -> RuntimeError) throws -> [Double] {
        let indptr = try load("images_indptr.npy", [count + 1], .int64).toArray(Int64.self)
        guard indptr.first == 0, zip(indptr, indptr.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw fail("images_indptr.npy must start at 0 and never decrease")
        }
        let nnz = Int(indptr[count])
        let indices = try load("images_indices.npy", [nnz], .int32).toArray(Int32.self)
        let data = try load("images_data.npy", [nnz], .float64).toArray(Double.self)
        var dense = [Double](repeating: 0, count: count * k)
        for n in 0..<count {
            var previous = -1, rowPixels: Int64 = 0
            for e in Int(indptr[n])..<Int(indptr[n + 1]) {
                let c = Int(indices[e]), v = data[e]
                guard c > previous, c < k else {
                    throw fail("images_indices.npy: image \(n) lists class \(c) after \(previous) (classes ascend within a row, below \(k))")
                }
                guard v.isFinite, v > 0, v <= 100 + 1e-4 else {
                    throw fail("images_data.npy: image \(n), class \(c) has area \(v) %, outside (0, 100]")
                }
                if let p = pixels {
                    let whole = (v * Double(p) / 100).rounded()
                    guard Double(whole) / Double(p) * 100 == v else {
                        throw fail("images_data.npy: image \(n), class \(c): \(v) % is not a whole number of the \(p) pixels")
                    }
                    rowPixels += Int64(whole)
                }
                dense[n * k + c] = v
                previous = c
            }
            if let p = pixels, rowPixels != Int64(p) {
                throw fail("images_data.npy: image \(n) covers \(rowPixels) pixels, not \(p)")
            }
        }
        return dense
    }
}
