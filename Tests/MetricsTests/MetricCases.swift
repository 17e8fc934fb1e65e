import Foundation
import Metrics
import TestSupport

/// `metric-cases.json` (sacrebleu 2.6.0 and SQuAD v1.1 reference values), parsed once.
enum MetricCases {
    static let json: [String: Any] = (try? Fixtures.json("metric-cases.json")) ?? [:]

    static func hypotheses(_ system: String) -> [String] {
        ((json["hyps"] as? [String: Any])?[system] as? [String]) ?? []
    }

    /// references[k][i]: the k-th reference set.
    static var references: [[String]] { (json["refs"] as? [[String]]) ?? [] }

    static func rows(_ section: String) -> [[String: Any]] { (json[section] as? [[String: Any]]) ?? [] }

    /// A sacrebleu signature with Tollgate's version in place of sacrebleu's.
    static func tollgateSignature(_ sacrebleuSignature: String) -> String {
        sacrebleuSignature.replacingOccurrences(of: "version:2.6.0", with: "version:tollgate-\(TollgateVersion.string)")
    }

    static func bleuOptions(_ options: [String: Any]) -> BLEUOptions {
        BLEUOptions(tokenize: BLEUTokenizerName(rawValue: options["tokenize"] as? String ?? "13a")!,
                    lowercase: options["lowercase"] as? Bool ?? false,
                    smooth: BLEUOptions.Smoothing(rawValue: options["smooth_method"] as? String ?? "exp")!,
                    smoothValue: (options["smooth_value"] as? NSNumber)?.doubleValue)
    }

    static func chrfOptions(_ options: [String: Any]) -> ChrFOptions {
        ChrFOptions(wordOrder: options["word_order"] as? Int ?? 0, lowercase: options["lowercase"] as? Bool ?? false,
                    whitespace: options["whitespace"] as? Bool ?? false)
    }

    static func doubles(_ value: Any?) -> [Double] { ((value as? [NSNumber]) ?? []).map(\.doubleValue) }
}
