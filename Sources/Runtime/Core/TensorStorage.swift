import Foundation

/// A 64-byte aligned, zero-initialised byte buffer. Reference type so that `Tensor` can be a
/// copy-on-write value; also the unit the executor's buffer pool recycles.
public final class TensorStorage {
    public let data: UnsafeMutableRawPointer
    public let byteCount: Int

    public init(byteCount: Int, zeroed: Bool = true) {
        var p: UnsafeMutableRawPointer? = nil
        // At least one byte so that empty tensors still own a valid pointer.
        let n = max(byteCount, 1)
        let rc = posix_memalign(&p, 64, (n + 63) & ~63)
        precondition(rc == 0 && p != nil, "out of memory allocating \(byteCount) bytes")
        data = p!
        self.byteCount = byteCount
        if zeroed { memset(data, 0, n) }
    }

    deinit { free(data) }

    func copy() -> TensorStorage {
        let s = TensorStorage(byteCount: byteCount, zeroed: false)
        memcpy(s.data, data, max(byteCount, 1))
        return s
    }
}
