/// Recycles tensor storage between nodes and between runs. Buffers are keyed by exact byte
/// count: a plan replays the same shapes each run, so exact matches are the common case.
public final class BufferPool {
    private var free: [Int: [TensorStorage]] = [:]
    public private(set) var allocations = 0
    public private(set) var reuses = 0

    public init() {}

    public func take(byteCount: Int, zeroed: Bool) -> TensorStorage {
        if var list = free[byteCount], let s = list.popLast() {
            free[byteCount] = list
            reuses += 1
            if zeroed { s.data.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1)) }
            return s
        }
        allocations += 1
        return TensorStorage(byteCount: byteCount, zeroed: zeroed)
    }

    /// Returns a buffer nobody else references any more.
    public func give(_ s: TensorStorage) {
        free[s.byteCount, default: []].append(s)
    }

    public func drain() { free.removeAll() }
}
