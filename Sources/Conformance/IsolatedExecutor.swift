import Foundation
import Runtime

/// Runs tests in a child process (the `seeing` executable in worker mode) so that a kernel
/// that crashes or hangs fails its own test instead of the whole run. The child is restarted
/// after the test that killed it.
public struct IsolatedExecutor {
    /// The executable and the arguments that make it a worker: it reads test names from
    /// stdin, one per line, and prints `WorkerProtocol` lines.
    public var executable: String
    public var workerArguments: [String]
    /// Seconds one test may take before its worker is killed.
    public var timeout: Double

    public init(executable: String, timeout: Double, workerArguments: [String]) {
        self.executable = executable
        self.workerArguments = workerArguments
        self.timeout = timeout
    }

    /// Outcomes for `names`, in order, on one backend (the worker arguments select it).
    public func run(_ names: [String], backend: BackendKind, onOutcome: (ConformanceOutcome) -> Void) throws {
        var remaining = names[...]
        while !remaining.isEmpty {
            let done = try runWorker(Array(remaining), backend: backend, onOutcome: onOutcome)
            remaining = remaining.dropFirst(done.finished)
            // Results arrive in order, so the first test without one killed the worker.
            if let why = done.crashed, let name = remaining.first {
                onOutcome(ConformanceOutcome(name: name, backend: backend, ops: [], failure: (.fails, why)))
                remaining = remaining.dropFirst()
            }
        }
    }

    /// Runs one worker over `names` until it finishes, crashes or hangs. `finished`: how many
    /// outcomes it delivered; `crashed`: why it stopped early.
    func runWorker(_ names: [String], backend: BackendKind, onOutcome: (ConformanceOutcome) -> Void) throws -> (finished: Int, crashed: String?) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = workerArguments
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            throw ConformanceError("cannot start conformance worker \(executable): \(error.localizedDescription)")
        }
        let lines = LineQueue()
        let reader = Thread {
            let handle = output.fileHandleForReading
            var buffer = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let nl = buffer.firstIndex(of: 0x0A) {
                    lines.push(String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self))
                    buffer = Data(buffer[(nl + 1)...])
                }
            }
            lines.push(nil)
        }
        reader.start()
        input.fileHandleForWriting.write(Data((names.joined(separator: "\n") + "\n").utf8))
        try? input.fileHandleForWriting.close()

        var finished = 0
        while finished < names.count {
            guard let item = lines.pop(timeout: timeout) else {
                process.terminate()
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return (finished, "timed out after \(Int(timeout)) s")
            }
            guard let line = item else {
                process.waitUntilExit()
                let how = process.terminationReason == .uncaughtSignal
                    ? "crashed (signal \(process.terminationStatus))" : "worker exited with status \(process.terminationStatus)"
                return (finished, how)
            }
            if let o = WorkerProtocol.parse(line, backend: backend) {
                onOutcome(o)
                finished += 1
            }
        }
        process.waitUntilExit()
        return (finished, nil)
    }
}

/// The worker's output: one line per test, `RESULT<TAB>name<TAB>category-or-PASS<TAB>ops<TAB>message`.
public enum WorkerProtocol {
    public static func line(_ o: ConformanceOutcome) -> String {
        let clean = { (s: String) in s.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ") }
        let kind = o.failure.map { $0.category.rawValue } ?? "PASS"
        return ["RESULT", o.name, kind, o.ops.joined(separator: ","), clean(o.failure?.message ?? "")].joined(separator: "\t")
    }

    public static func parse(_ line: String, backend: BackendKind) -> ConformanceOutcome? {
        let f = line.split(separator: "\t", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
        guard f.count == 5, f[0] == "RESULT" else { return nil }
        let ops = f[3].isEmpty ? [] : f[3].split(separator: ",").map(String.init)
        let failure = FailureCategory(rawValue: f[2]).map { ($0, f[4]) }
        return ConformanceOutcome(name: f[1], backend: backend, ops: ops, failure: failure)
    }
}

/// A blocking queue of lines; nil marks the end of the stream.
final class LineQueue: @unchecked Sendable {
    private var items: [String?] = []
    private let lock = NSCondition()

    func push(_ line: String?) {
        lock.lock()
        items.append(line)
        lock.signal()
        lock.unlock()
    }

    /// The next item, or nil (outer) after `timeout` seconds without one.
    func pop(timeout: Double) -> String?? {
        lock.lock()
        defer { lock.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while items.isEmpty {
            if !lock.wait(until: deadline) && items.isEmpty { return nil }
        }
        return .some(items.removeFirst())
    }
}
