import Foundation

/// What one rendering may spend. A chat template renders in well under a millisecond; these bounds
/// stop a hostile or broken one (an endless loop, output that doubles, unbounded recursion) long
/// before it could hang the tool or exhaust memory.
public struct SandboxLimits: Sendable, Equatable {
    /// Bytes of output, and of any one string or list a template builds (`x ~ x` in a loop).
    public var maximumOutputBytes: Int
    /// For-loop iterations over the whole rendering.
    public var maximumLoopIterations: Int
    /// Macro calls in progress at once (recursion).
    public var maximumCallDepth: Int
    /// Wall-clock seconds for one rendering.
    public var timeLimit: Double

    public init(maximumOutputBytes: Int = 4 << 20, maximumLoopIterations: Int = 1_000_000,
                maximumCallDepth: Int = 64, timeLimit: Double = 0.5) {
        self.maximumOutputBytes = maximumOutputBytes
        self.maximumLoopIterations = maximumLoopIterations
        self.maximumCallDepth = maximumCallDepth
        self.timeLimit = timeLimit
    }

    public static let standard = SandboxLimits()
}

/// Counts what a rendering spends against its limits; checked at every statement, loop iteration
/// and value built, with the clock read every 256 steps.
struct SandboxBudget {
    let limits: SandboxLimits
    private let deadline: UInt64
    private var steps = 0
    private(set) var loopIterations = 0
    var callDepth = 0

    init(limits: SandboxLimits) {
        self.limits = limits
        deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, limits.timeLimit) * 1e9)
    }

    mutating func step() throws {
        steps += 1
        if steps & 255 == 0, DispatchTime.now().uptimeNanoseconds > deadline {
            throw EvaluationFailure.sandbox("the time limit of \(limits.timeLimit) s was reached")
        }
    }

    mutating func loopIteration() throws {
        loopIterations += 1
        if loopIterations > limits.maximumLoopIterations {
            throw EvaluationFailure.sandbox("the limit of \(limits.maximumLoopIterations) loop iterations was reached")
        }
        try step()
    }

    func checkSize(_ bytes: Int, of what: String) throws {
        if bytes > limits.maximumOutputBytes {
            throw EvaluationFailure.sandbox("\(what) would exceed the limit of \(limits.maximumOutputBytes) bytes")
        }
    }
}
