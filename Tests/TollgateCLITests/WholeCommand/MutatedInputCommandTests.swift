import Foundation
import TestSupport
import Testing

/// The whole-command check: mutated copies of every file kind Tollgate reads, through the real
/// commands, each held to `CommandContract` — exit 0–3 by itself, one line on stderr when it
/// fails, no temporary file left behind, and no store left inconsistent or half-merged.
///
/// `make test` runs `TOLLGATE_MUTATED_INPUTS` inputs (default 100, spread over the kinds, seeded);
/// `make whole-command-check` runs 2,000. A failing case prints its kind and seed.
@Suite(.serialized) struct MutatedInputCommandTests {
    static let inputCount = Int(ProcessInfo.processInfo.environment["TOLLGATE_MUTATED_INPUTS"] ?? "") ?? 100
    static let firstSeed = UInt64(ProcessInfo.processInfo.environment["TOLLGATE_MUTATION_SEED"] ?? "") ?? 27

    @Test func everyCommandKeepsTheContractOnMutatedInputs() throws {
        let seeds = try WholeCommandSeeds()
        defer { try? FileManager.default.removeItem(at: seeds.folder) }
        var violations: [String] = []
        var statuses: [String: [Int32: Int]] = [:]
        for index in 0 ..< Self.inputCount {
            let kind = WholeCommandSeeds.Kind.allCases[index % WholeCommandSeeds.Kind.allCases.count]
            let seed = Self.firstSeed &+ UInt64(index)
            let found = try seeds.check(kind, seed: seed) { status in statuses[kind.rawValue, default: [:]][status, default: 0] += 1 }
            violations += found
            if violations.count >= 10 { break }
        }
        let summary = statuses.keys.sorted().map { "\($0) \(statuses[$0]!.sorted { $0.key < $1.key })" }.joined(separator: "; ")
        print("whole-command check: \(Self.inputCount) mutated inputs, exit codes by kind: \(summary)")
        #expect(violations.isEmpty, "\(violations.joined(separator: "\n"))")
        // The mutations must reach both sides of the contract, or the check proves nothing.
        let all = statuses.values.reduce(into: [Int32: Int]()) { total, counts in counts.forEach { total[$0.key, default: 0] += $0.value } }
        #expect(all[0, default: 0] > 0 && all[2, default: 0] > 0, "exit codes seen: \(all)")
    }
}
