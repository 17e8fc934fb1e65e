import Foundation

/// The time bound — an input that takes over a second is a finding — counted in CPU time
/// of this process (ITIMER_PROF: user + system), not wall time. libFuzzer's own `-timeout` counts
/// wall time, so a campaign running at nice 19 on a busy machine, or paused with SIGSTOP while
/// someone measures speed, would report every input it happened to be in as a timeout.
/// A runaway input ends in `abort()`, which libFuzzer (and a replay) reports as a crash with the input.
enum InputCPULimit {
    // Glibc imports ITIMER_PROF as an enum case; setitimer takes its raw value.
    #if os(Linux)
    private static let processCPUTimer = __itimer_which_t(ITIMER_PROF.rawValue)
    #else
    private static let processCPUTimer = ITIMER_PROF
    #endif

    static let seconds = 1

    /// Installs the handler once, before the first input.
    static func install() {
        signal(SIGPROF) { _ in
            // Only async-signal-safe calls here: write(2) of a static string, then abort().
            let message: StaticString = "tollgate-fuzz: the input used over 1 s of CPU time (a hang or a runaway loop)\n"
            _ = write(STDERR_FILENO, message.utf8Start, message.utf8CodeUnitCount)
            abort()
        }
    }

    /// Runs one input under the limit: the timer starts at `seconds` and is cleared afterwards.
    static func run(_ body: () -> Void) {
        var limit = itimerval(it_interval: timeval(), it_value: timeval(tv_sec: seconds, tv_usec: 0))
        setitimer(processCPUTimer, &limit, nil)
        body()
        var off = itimerval()
        setitimer(processCPUTimer, &off, nil)
    }
}
