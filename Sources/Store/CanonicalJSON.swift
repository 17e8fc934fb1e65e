import Foundation

/// JSON with sorted keys and no insignificant whitespace: equal settings give equal text, which is
/// what `EvaluationRecord.decodingJSON`, `RunRecord.configJSON` and cache keys compare.
public enum CanonicalJSON {
    public static func string<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
