import Foundation

/// Items made in order on a background thread and taken in order on the calling thread, at
/// most `capacity` waiting between them: the two stages of a pipeline overlap. An error of
/// the producer is thrown by `next()` where its item would have come; `cancel()` stops the
/// producer at its next item (a consumer that stops early must call it).
final class Prefetch<Item>: @unchecked Sendable {
    private let condition = NSCondition()
    private var buffer: [Result<Item, Error>] = []
    private var finished = false
    private var cancelled = false
    private let capacity: Int

    struct Cancelled: Error {}

    /// Starts `produce` on a new thread; it hands each item to `emit`, which waits while
    /// `capacity` items are waiting and throws `Cancelled` once the consumer has gone.
    init(capacity: Int, _ produce: @escaping (_ emit: (Item) throws -> Void) throws -> Void) {
        self.capacity = max(1, capacity)
        let thread = Thread { [self] in
            do {
                try produce { item in try self.put(.success(item)) }
            } catch is Cancelled {
            } catch {
                try? put(.failure(error))
            }
            condition.lock()
            finished = true
            condition.broadcast()
            condition.unlock()
        }
        // Kernels and image code may recurse deeper than a secondary thread's default 512 KB allows.
        thread.stackSize = 16 << 20
        thread.start()
    }

    private func put(_ r: Result<Item, Error>) throws {
        condition.lock()
        defer { condition.unlock() }
        while buffer.count >= capacity && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        buffer.append(r)
        condition.broadcast()
    }

    /// The next item, nil after the last.
    func next() throws -> Item? {
        condition.lock()
        while buffer.isEmpty && !finished { condition.wait() }
        guard !buffer.isEmpty else {
            condition.unlock()
            return nil
        }
        let r = buffer.removeFirst()
        condition.broadcast()
        condition.unlock()
        return try r.get()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        buffer.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
