/// Bounds-checked little-endian reads from a byte buffer: nil instead of a trap when a
/// (possibly hostile) file claims data beyond its end.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer

    var count: Int { bytes.count }

    @inline(__always) func contains(_ offset: Int, _ length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= bytes.count && length <= bytes.count - offset
    }

    func u8(_ offset: Int) -> UInt8? { contains(offset, 1) ? bytes[offset] : nil }
    func u16(_ offset: Int) -> UInt16? { load(offset, UInt16.self) }
    func u32(_ offset: Int) -> UInt32? { load(offset, UInt32.self) }
    func u64(_ offset: Int) -> UInt64? { load(offset, UInt64.self) }

    /// An unsigned field as Int; nil when out of range or too large for an offset.
    func int(_ offset: Int, width: Int) -> Int? {
        let v: UInt64?
        switch width {
        case 2: v = u16(offset).map(UInt64.init)
        case 4: v = u32(offset).map(UInt64.init)
        default: v = u64(offset)
        }
        guard let v, v <= UInt64(Int.max) else { return nil }
        return Int(v)
    }

    func slice(_ offset: Int, _ length: Int) -> UnsafeRawBufferPointer? {
        guard contains(offset, length) else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[offset ..< offset + length])
    }

    private func load<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T? {
        guard contains(offset, MemoryLayout<T>.size) else { return nil }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
