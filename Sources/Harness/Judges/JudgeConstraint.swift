import Foundation

/// How an endpoint judge is held to its menu (`constrain:`): the server's structured output lets it
/// write only `{"verdict": "<label>"}`, one of the judge's labels — so a small model cannot ramble
/// past `max_tokens` before it reaches a verdict.
///
/// - `json_schema` (default for endpoint judges): OpenAI's standard field, which OpenAI, vLLM,
///   llama.cpp's own `llama-server`, Ollama and Workers AI honour:
///   `response_format: {type: json_schema, json_schema: {name: verdict, strict: true, schema: …}}`;
/// - `json_object`: `response_format: {type: json_object, schema: …}`, the form llama-cpp-python's
///   server (0.3) turns into a grammar — it answers `json_schema` with an error;
/// - `off`: free text, read from the last `VERDICT:` line (the default for GGUF judges, which
///   Tollgate decodes itself).
///
/// The schema (`{"type": "object", "properties": {"verdict": {"type": "string", "enum": labels}},
/// "required": ["verdict"], "additionalProperties": false}`) is part of the request body, so of
/// every cache key. A server that refuses the field stops the run with exit 3 naming the endpoint
/// and this option. The answer is read by `JudgeVerdictParser` in its JSON form.
public enum JudgeConstraint: String, Codable, Sendable, CaseIterable {
    case jsonSchema = "json_schema"
    case jsonObject = "json_object"
    case off

    /// The schema of `{"verdict": one of labels}`.
    static func schema(labels: [String]) -> [String: Any] {
        [
            "type": "object",
            "properties": ["verdict": ["type": "string", "enum": labels]],
            "required": ["verdict"],
            "additionalProperties": false,
        ]
    }

    /// The request's `response_format` as sorted-key JSON text, nil when off.
    func responseFormat(labels: [String]) -> String? {
        let object: [String: Any]
        switch self {
        case .off: return nil
        case .jsonSchema:
            object = ["type": "json_schema",
                      "json_schema": ["name": "verdict", "strict": true, "schema": JudgeConstraint.schema(labels: labels)]]
        case .jsonObject:
            object = ["type": "json_object", "schema": JudgeConstraint.schema(labels: labels)]
        }
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return data.map { String(decoding: $0, as: UTF8.self) }
    }
}
