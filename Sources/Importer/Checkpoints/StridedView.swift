import Foundation
import Runtime

/// Turns PyTorch's (storage, offset, size, stride) description of a tensor into a row-major
/// `Tensor`: one bulk copy when the view is contiguous, an element gather otherwise
/// (transposed or sliced views, stride-0 expansions).
enum StridedView {
    /// Why the view does not fit its storage, or nil when it does.
    static func problem(offset: Int, size: [Int], stride: [Int], storageElements: Int) -> String? {
        guard offset >= 0 else { return "negative storage offset \(offset)" }
        guard size.allSatisfy({ $0 >= 0 }) else { return "negative size \(size)" }
        guard stride.allSatisfy({ $0 >= 0 }) else { return "negative stride \(stride)" }
        if size.contains(0) { return nil }
        var last = offset // index of the view's last element in the storage
        for (n, s) in zip(size, stride) {
            let (step, o1) = (n - 1).multipliedReportingOverflow(by: s)
            let (sum, o2) = last.addingReportingOverflow(step)
            guard !o1, !o2 else { return "size \(size) with stride \(stride) overflows" }
            last = sum
        }
        guard last < storageElements else {
            return "size \(size), stride \(stride) and offset \(offset) reach element \(last) of a storage of \(storageElements)"
        }
        return nil
    }

    /// Copies the view out of `source` (the storage's bytes, possibly unaligned); `problem`
    /// must have returned nil for it.
    static func tensor(from source: UnsafeRawBufferPointer, dtype: DType, offset: Int, size: [Int], stride: [Int]) -> Tensor {
        let count = size.reduce(1, *)
        let width = dtype.byteSize
        let storage = TensorStorage(byteCount: count * width, zeroed: false)
        let tensor = Tensor(shape: size, dtype: dtype, storage: storage)
        guard count > 0, let src = source.baseAddress else { return tensor }
        if isContiguous(size: size, stride: stride) {
            memcpy(storage.data, src + offset * width, count * width)
            return tensor
        }
        switch width {
        case 1: gather(UInt8.self, src, storage.data, offset, size, stride, count)
        case 2: gather(UInt16.self, src, storage.data, offset, size, stride, count)
        case 4: gather(UInt32.self, src, storage.data, offset, size, stride, count)
        default: gather(UInt64.self, src, storage.data, offset, size, stride, count)
        }
        return tensor
    }

    /// Row-major strides, ignoring dimensions of size 1 (whose stride PyTorch leaves arbitrary).
    static func isContiguous(size: [Int], stride: [Int]) -> Bool {
        var expected = 1
        for i in stride.indices.reversed() where size[i] != 1 {
            if stride[i] != expected { return false }
            expected *= size[i]
        }
        return true
    }

    /// Walks the outer dimensions like an odometer and copies each innermost run element by element.
    private static func gather<T: FixedWidthInteger>(_: T.Type, _ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer,
                                                     _ offset: Int, _ size: [Int], _ stride: [Int], _ count: Int) {
        let rank = size.count
        let inner = size[rank - 1], innerStride = stride[rank - 1] * MemoryLayout<T>.stride
        var index = [Int](repeating: 0, count: rank - 1)
        var base = offset
        var o = 0
        for _ in 0 ..< count / inner {
            var s = base * MemoryLayout<T>.stride
            for _ in 0 ..< inner {
                dst.storeBytes(of: src.loadUnaligned(fromByteOffset: s, as: T.self), toByteOffset: o, as: T.self)
                o += MemoryLayout<T>.stride
                s += innerStride
            }
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                base += stride[d]
                if index[d] < size[d] { break }
                base -= stride[d] * size[d]
                index[d] = 0
                d -= 1
            }
        }
    }
}
