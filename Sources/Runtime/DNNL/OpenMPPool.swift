import Foundation

/// The OpenMP thread pool oneDNN runs on (libgomp, loaded with libdnnl), for the few loops
/// of our own between oneDNN calls. Using its threads, rather than a second pool, keeps the
/// machine at OMP_NUM_THREADS busy threads: a second pool would compete with oneDNN's
/// workers, which spin for a while after each primitive. The entry points are looked up at
/// run time (`GOMP_parallel` is the ABI GCC emits for `#pragma omp parallel`, stable since
/// GCC 4.9); without libgomp the loops run on the calling thread.
enum OpenMPPool {
    private typealias Body = @convention(c) (UnsafeMutableRawPointer?) -> Void
    private typealias Parallel = @convention(c) (Body, UnsafeMutableRawPointer?, UInt32, UInt32) -> Void
    private typealias Query = @convention(c) () -> Int32
    private typealias SetThreads = @convention(c) (Int32) -> Void

    private struct Entry {
        let parallel: Parallel
        let threadNumber: Query
        let threadCount: Query
        let maxThreads: Query
        let setThreads: SetThreads?
    }

    private static let entry: Entry? = {
        // The program's global scope: libdnnl and its libgomp are loaded there.
        let handle = dlopen(nil, RTLD_NOW)
        func symbol<T>(_ name: String, _: T.Type) -> T? {
            dlsym(handle, name).map { unsafeBitCast($0, to: T.self) }
        }
        guard let p = symbol("GOMP_parallel", Parallel.self), let n = symbol("omp_get_thread_num", Query.self),
              let c = symbol("omp_get_num_threads", Query.self), let m = symbol("omp_get_max_threads", Query.self)
        else { return nil }
        return Entry(parallel: p, threadNumber: n, threadCount: c, maxThreads: m,
                     setThreads: symbol("omp_set_num_threads", SetThreads.self))
    }()

    /// Threads a parallel region gets (OMP_NUM_THREADS; 1 without libgomp).
    static var threads: Int { entry.map { Int($0.maxThreads()) } ?? 1 }

    /// Runs `body` with the parallel regions the calling thread starts (oneDNN's and the pool's)
    /// limited to `n` threads; other threads keep theirs. OpenMP's thread count is per thread,
    /// so two pipeline stages on two threads can each take their share of the cores.
    static func limitingThreads<T>(to n: Int, _ body: () throws -> T) rethrows -> T {
        guard let e = entry, let set = e.setThreads else { return try body() }
        let before = e.maxThreads()
        set(Int32(max(1, n)))
        defer { set(before) }
        return try body()
    }

    /// Whether idle pool threads sleep instead of spinning (OMP_WAIT_POLICY=passive or
    /// GOMP_SPINCOUNT=0, which libgomp read when it was loaded). Then each parallel region
    /// pays for waking them — tens of µs on a VM — and small loops are cheaper on one thread.
    static let threadsSleep: Bool = {
        let policy = ProcessInfo.processInfo.environment["OMP_WAIT_POLICY"]?.lowercased()
        let spins = ProcessInfo.processInfo.environment["GOMP_SPINCOUNT"].flatMap { Int($0) }
        return policy == "passive" || spins == 0
    }()

    /// Calls `body` on contiguous ranges covering 0..<count, split over the pool's threads
    /// (on the calling thread alone unless `parallel`). `body` must be safe to run
    /// concurrently on disjoint ranges.
    static func forEach(_ count: Int, parallel: Bool = true, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        guard parallel, let e = entry, count > 1, e.maxThreads() > 1 else { return body(0..<count) }
        withoutActuallyEscaping(body) { body in
            var job = Job(count: count, body: body, threadNumber: e.threadNumber, threadCount: e.threadCount)
            withUnsafeMutablePointer(to: &job) { p in
                e.parallel({ raw in
                    let job = raw!.assumingMemoryBound(to: Job.self).pointee
                    let (t, n) = (Int(job.threadNumber()), Int(job.threadCount()))
                    let lo = job.count * t / n, hi = job.count * (t + 1) / n
                    if lo < hi { job.body(lo..<hi) }
                }, p, 0, 0)
            }
        }
    }

    private struct Job {
        let count: Int
        let body: (Range<Int>) -> Void
        let threadNumber: Query
        let threadCount: Query
    }
}

/// How many threads compute kernels (oneDNN's and the runtime's parallel loops) use.
public enum ComputeThreads {
    /// Threads a parallel region started on the calling thread gets (OMP_NUM_THREADS, else
    /// the CPU count; 1 without OpenMP).
    public static var available: Int { OpenMPPool.threads }

    /// Runs `body` with the kernels the calling thread runs limited to `n` threads (other
    /// threads keep their own setting): a pipeline whose stages run on separate threads gives
    /// each stage its share instead of letting every stage start a team of all cores.
    public static func limited<T>(to n: Int, _ body: () throws -> T) rethrows -> T {
        try OpenMPPool.limitingThreads(to: n, body)
    }
}
