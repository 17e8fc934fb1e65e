import Yams

/// A hyperparameter grid over the training block: every combination of the listed values is one
/// trial, numbered in the order the keys are written below (the last key varies fastest).
///
/// ```yaml
/// sweep:
///   rank: [4, 8]
///   lr: [5.0e-4, 1.0e-3]
///   targets: [[q, v], [q, k, v, o]]
/// ```
public struct SweepGrid: Codable, Sendable, Equatable {
    public var rank: [Int] = []
    public var alpha: [Double] = []
    public var learningRate: [Double] = []
    public var targets: [[String]] = []
    public var batchSize: [Int] = []
    public var steps: [Int] = []
    public var seed: [Int] = []

    public init() {}

    /// The keys a `sweep:` block may hold, in trial-numbering order.
    public static let keys = ["rank", "alpha", "lr", "targets", "batch_size", "steps", "seed"]
    /// More trials than this is a typo in a grid, not a sweep a CPU cluster should run.
    public static let maximumTrials = 256

    /// Every combination, trial 0 first; each is `base` with the grid's values substituted.
    public func trials(base: TrainingPlan) -> [SweepTrialSettings] {
        var trials = [SweepTrialSettings(plan: base, values: [])]
        func expand<T>(_ values: [T], key: String, _ apply: @escaping (inout TrainingPlan, T) -> Void, _ show: (T) -> String) {
            guard !values.isEmpty else { return }
            trials = trials.flatMap { trial in
                values.map { value in
                    var next = trial
                    apply(&next.plan, value)
                    next.values.append(SweepValue(key: key, value: show(value)))
                    return next
                }
            }
        }
        expand(rank, key: "rank", { $0.rank = $1 }, String.init)
        expand(alpha, key: "alpha", { $0.alpha = $1 }, { "\($0)" })
        expand(learningRate, key: "lr", { $0.learningRate = $1 }, { "\($0)" })
        expand(targets, key: "targets", { $0.targets = $1 }, { $0.joined(separator: ",") })
        expand(batchSize, key: "batch_size", { $0.batchSize = $1 }, String.init)
        expand(steps, key: "steps", { $0.steps = $1; $0.epochs = nil }, String.init)
        expand(seed, key: "seed", { $0.seed = $1 }, String.init)
        return trials
    }
}

/// One grid value of a trial, as the report shows it ("lr" = "0.0005").
public struct SweepValue: Codable, Sendable, Equatable {
    public var key: String
    public var value: String
}

/// A trial's training plan and the grid values that made it.
public struct SweepTrialSettings: Codable, Sendable, Equatable {
    public var plan: TrainingPlan
    public var values: [SweepValue]

    /// "rank=4 lr=0.0005".
    public var label: String { values.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
}

/// Reads `sweep:` from the top-level mapping; it needs a `training:` block to vary.
struct SweepBlockParser {
    let root: YAMLMapping

    func grid(hasTraining: Bool) throws -> SweepGrid? {
        guard let map = try root.mapping("sweep") else { return nil }
        guard hasTraining else {
            throw root.error("sweep", .invalidValue("is set, and the experiment has no training block to vary; add training: or remove sweep:"))
        }
        try map.allowOnly(SweepGrid.keys)
        var grid = SweepGrid()
        grid.rank = try positiveInts("rank", map)
        grid.alpha = try values("alpha", map) { try Self.positive($0.double(), $0) }
        grid.learningRate = try values("lr", map) { try Self.positive($0.double(), $0) }
        grid.targets = try values("targets", map) { item in
            let names = try item.list().map { try $0.choice(TrainingPlan.allowedTargets) }
            if names.isEmpty { throw item.invalid("is an empty list; name at least one of \(TrainingPlan.allowedTargets.joined(separator: ", "))") }
            return names
        }
        grid.batchSize = try positiveInts("batch_size", map)
        grid.steps = try positiveInts("steps", map)
        grid.seed = try values("seed", map) { try $0.int() }
        let sizes = [grid.rank.count, grid.alpha.count, grid.learningRate.count, grid.targets.count,
                     grid.batchSize.count, grid.steps.count, grid.seed.count]
        let count = sizes.map { max($0, 1) }.reduce(1, *)
        if sizes.allSatisfy({ $0 == 0 }) {
            throw root.error("sweep", .invalidValue("is empty; list values for at least one of \(SweepGrid.keys.joined(separator: ", "))"))
        }
        if count > SweepGrid.maximumTrials {
            throw root.error("sweep", .invalidValue("makes \(count) trials; at most \(SweepGrid.maximumTrials) are allowed, list fewer values"))
        }
        return grid
    }

    private func positiveInts(_ key: String, _ map: YAMLMapping) throws -> [Int] {
        try values(key, map) { try Self.positive($0.int(), $0) }
    }

    /// A non-empty list of distinct values (a repeated value would train the same trial twice).
    private func values<T: Equatable>(_ key: String, _ map: YAMLMapping, _ read: (YAMLValue) throws -> T) throws -> [T] {
        guard let node = map.node(key) else { return [] }
        let items = try YAMLValue(node: node, file: map.file, path: map.child(key)).list()
        if items.isEmpty { throw map.error(key, .invalidValue("is an empty list; give the values to try, e.g. \(key): [4, 8]")) }
        var result: [T] = []
        for item in items {
            let value = try read(item)
            if result.contains(value) { throw item.invalid("repeats an earlier value; list each value once") }
            result.append(value)
        }
        return result
    }

    private static func positive<T: Comparable & Numeric>(_ value: T, _ item: YAMLValue) throws -> T {
        if value <= 0 { throw item.invalid("is \(value); it must be greater than 0") }
        return value
    }
}
