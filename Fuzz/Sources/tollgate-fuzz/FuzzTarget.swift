import Foundation

/// One parser under test: `run` feeds it one input and returns normally when the parser either
/// accepted the input or refused it with an error; a crash, a trap or a broken property (reported
/// with `PropertyViolation.fail`) is a finding.
struct FuzzTarget: Sendable {
    let name: String
    /// What the target feeds and which property it checks beyond "no crash".
    let summary: String
    /// Loads what every input shares (vocabularies, the sample report) before the first input, so
    /// set-up time never counts against libFuzzer's per-input time limit.
    var prepare: @Sendable () -> Void = {}
    let run: @Sendable (Data) -> Void
}

/// A property the parser broke: printed and turned into a crash, so libFuzzer saves the input.
enum PropertyViolation {
    static func fail(_ target: String, _ message: String) -> Never {
        FileHandle.standardError.write(Data("tollgate-fuzz \(target): property broken: \(message)\n".utf8))
        abort()
    }
}

/// Every target, by the name `make fuzz` passes (and the folder of its corpus under Fuzz/corpus).
let allTargets: [FuzzTarget] = modelFileTargets + textFormatTargets + reportTargets + [storeTarget]

/// The bytes as text the way Tollgate reads text files (invalid UTF-8 repaired to U+FFFD).
func text(_ data: Data) -> String { String(decoding: data, as: UTF8.self) }
