import Foundation

/// OpenMP's default wait policy lets idle worker threads spin. On a machine whose cores are
/// shared with other processes, a spinning barrier waits for a descheduled worker for whole
/// time slices: runs measured here went from 1 ms to 80 ms (DCGAN, batch 1, load 4 on 2 cores).
/// Passive waiting costs ~0.5–1 ms per small run on a quiet machine and never collapses, so it
/// is the command line's default. libgomp reads its environment when it is loaded (with
/// libdnnl, before `main`), so the default is applied by re-executing once with it set; a user
/// who sets OMP_WAIT_POLICY or GOMP_SPINCOUNT (e.g. `OMP_WAIT_POLICY=active` for benchmarks on
/// a quiet machine) keeps their choice.
enum ThreadingDefaults {
    static func apply() {
        let env = ProcessInfo.processInfo.environment
        guard env["OMP_WAIT_POLICY"] == nil, env["GOMP_SPINCOUNT"] == nil else { return }
        setenv("OMP_WAIT_POLICY", "passive", 1)
        // On failure (no /proc) carry on with the inherited policy.
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }
}
