/// The central directory of a ZIP archive (with ZIP64 records), enough to read the stored
/// (uncompressed) entries that `torch.save` writes. Entry data is returned as slices of the
/// archive's bytes, so reading a storage costs no copy until it becomes a tensor.
struct ZipArchive {
    struct Entry {
        var name: String
        /// 0: stored; 8: deflate; others are rarer compressions.
        var method: Int
        var flags: Int
        var compressedSize: Int
        var size: Int
        var localHeaderOffset: Int
    }

    let reader: ByteReader
    let file: String
    private(set) var entries: [Entry] = []
    private var index: [String: Int] = [:]

    private static let endSignature: UInt32 = 0x0605_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let zip64EndSignature: UInt32 = 0x0606_4B50
    private static let centralSignature: UInt32 = 0x0201_4B50
    private static let localSignature: UInt32 = 0x0403_4B50

    init(bytes: UnsafeRawBufferPointer, file: String) throws {
        reader = ByteReader(bytes: bytes)
        self.file = file
        let (count, directoryOffset, directorySize) = try locateDirectory()
        guard reader.contains(directoryOffset, directorySize) else {
            throw corrupt("central directory (\(directorySize) bytes at offset \(directoryOffset)) lies beyond the end of the "
                + "\(reader.count)-byte file (truncated?)")
        }
        var p = directoryOffset
        for i in 0 ..< count {
            guard reader.u32(p) == Self.centralSignature,
                  let flags = reader.u16(p + 8), let method = reader.u16(p + 10),
                  let compressed = reader.u32(p + 20), let size = reader.u32(p + 24),
                  let nameLength = reader.int(p + 28, width: 2), let extraLength = reader.int(p + 30, width: 2),
                  let commentLength = reader.int(p + 32, width: 2), let offset = reader.u32(p + 42),
                  let nameBytes = reader.slice(p + 46, nameLength),
                  let extra = reader.slice(p + 46 + nameLength, extraLength) else {
                throw corrupt("central directory entry \(i) of \(count) at offset \(p) is malformed or truncated")
            }
            let name = String(decoding: nameBytes, as: UTF8.self)
            var entry = Entry(name: name, method: Int(method), flags: Int(flags), compressedSize: Int(compressed),
                              size: Int(size), localHeaderOffset: Int(offset))
            try applyZip64Extra(ByteReader(bytes: extra), to: &entry, sizes: (size, compressed, offset))
            index[name] = entries.count
            entries.append(entry)
            p += 46 + nameLength + extraLength + commentLength
        }
    }

    func entry(_ name: String) -> Entry? { index[name].map { entries[$0] } }

    /// The bytes of a stored entry (compressed or encrypted entries are refused).
    func data(of entry: Entry) throws -> UnsafeRawBufferPointer {
        guard entry.flags & 1 == 0 else {
            throw CheckpointError(.unsupported, file: file, "archive entry '\(entry.name)' is encrypted")
        }
        guard entry.method == 0 else {
            let how = entry.method == 8 ? "deflate-compressed" : "compressed (method \(entry.method))"
            throw CheckpointError(.unsupported, file: file, "archive entry '\(entry.name)' is \(how); only stored entries are read "
                + "(torch.save writes them uncompressed: re-save with torch.save, or re-zip with `zip -0`)")
        }
        let h = entry.localHeaderOffset
        guard reader.u32(h) == Self.localSignature,
              let nameLength = reader.int(h + 26, width: 2), let extraLength = reader.int(h + 28, width: 2) else {
            throw corrupt("archive entry '\(entry.name)' has no local header at offset \(h)")
        }
        guard entry.compressedSize == entry.size else {
            throw corrupt("stored archive entry '\(entry.name)' has a compressed size (\(entry.compressedSize)) different from its size (\(entry.size))")
        }
        guard let bytes = reader.slice(h + 30 + nameLength + extraLength, entry.size) else {
            throw corrupt("archive entry '\(entry.name)' (\(entry.size) bytes at offset \(h)) runs past the end of the "
                + "\(reader.count)-byte file (truncated?)")
        }
        return bytes
    }

    /// Entry count, offset and size of the central directory, from the end record (and its
    /// ZIP64 counterpart when there is one: torch always writes it).
    private func locateDirectory() throws -> (Int, Int, Int) {
        let lowest = max(0, reader.count - 22 - 0xFFFF)
        var end = reader.count - 22
        while end >= lowest, reader.u32(end) != Self.endSignature { end -= 1 }
        guard end >= lowest, let count16 = reader.int(end + 10, width: 2),
              let size32 = reader.int(end + 12, width: 4), let offset32 = reader.int(end + 16, width: 4) else {
            throw corrupt("is not a complete ZIP archive: no end-of-central-directory record (truncated?)")
        }
        let locator = end - 20
        guard locator >= 0, reader.u32(locator) == Self.zip64LocatorSignature else {
            return (count16, offset32, size32)
        }
        guard let record = reader.int(locator + 8, width: 8), reader.u32(record) == Self.zip64EndSignature,
              let count = reader.int(record + 32, width: 8), let size = reader.int(record + 40, width: 8),
              let offset = reader.int(record + 48, width: 8) else {
            throw corrupt("the ZIP64 end-of-central-directory record is missing or truncated")
        }
        // Each central entry takes at least 46 bytes: bounds the loop on a hostile count.
        guard count <= size / 46 else {
            throw corrupt("the ZIP64 end record claims \(count) entries in a \(size)-byte central directory")
        }
        return (count, offset, size)
    }

    /// Fields that do not fit 32 bits are 0xFFFFFFFF in the entry and follow, in this order,
    /// in the ZIP64 extra field (id 1).
    private func applyZip64Extra(_ extra: ByteReader, to entry: inout Entry, sizes: (UInt32, UInt32, UInt32)) throws {
        let needed = [sizes.0, sizes.1, sizes.2].filter { $0 == 0xFFFF_FFFF }.count
        guard needed > 0 else { return }
        var p = 0
        while let id = extra.u16(p), let length = extra.int(p + 2, width: 2) {
            if id == 1 {
                var q = p + 4
                func next() throws -> Int {
                    guard q + 8 <= p + 4 + length, let v = extra.int(q, width: 8) else {
                        throw corrupt("archive entry '\(entry.name)' has a truncated ZIP64 extra field")
                    }
                    q += 8
                    return v
                }
                if sizes.0 == 0xFFFF_FFFF { entry.size = try next() }
                if sizes.1 == 0xFFFF_FFFF { entry.compressedSize = try next() }
                if sizes.2 == 0xFFFF_FFFF { entry.localHeaderOffset = try next() }
                return
            }
            p += 4 + length
        }
        throw corrupt("archive entry '\(entry.name)' needs a ZIP64 extra field and has none")
    }

    private func corrupt(_ message: String) -> CheckpointError { CheckpointError(.corrupt, file: file, message) }
}
