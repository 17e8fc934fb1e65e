import Corpus
import Foundation
import Privacy
import Store

/// What a report row shows as an example's prompt: the example's own words — the last user
/// message, or the prompt as the dataset wrote it — rather than the rendered chat template with
/// the model's default system prompt. The rendered prompt stays in the store and the JSON report.
enum ExampleWords {
    /// The example's own words; nil for a `text` example (training only).
    static func of(_ example: Example) -> String? {
        switch example.body {
        case .promptCompletion(let prompt, _): return prompt
        case .messages: return example.promptMessages?.last { $0.role == "user" }?.content ?? example.promptMessages?.last?.content
        case .text: return nil
        }
    }

    /// Own words by example index for an evaluation, read from its dataset file when the file still
    /// has the bytes the evaluation was made from, and redacted as the evaluation redacted them (so a
    /// report never quotes what the store does not hold); empty otherwise (rows then show the stored
    /// prompt).
    static func byIndex(store: TollgateStore, evaluationID: Int64) -> [Int: String] {
        guard let evaluation = try? store.evaluation(id: evaluationID),
              let decoding = try? JSONDecoder().decode(DecodingSettings.self, from: Data(evaluation.decodingJSON.utf8)),
              let dataset = try? store.dataset(id: evaluation.datasetID),
              let file = try? DatasetFile.load(path: dataset.path, purpose: .evaluation),
              file.sha256 == dataset.sha256 else { return [:] }
        let redactor = Redactor(kinds: decoding.redact)
        var words: [Int: String] = [:]
        for (index, example) in file.examples.enumerated() {
            words[index] = of(redactor.isEmpty ? example : redactor.redact(example))
        }
        return words
    }
}
