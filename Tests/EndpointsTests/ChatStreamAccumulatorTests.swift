import Endpoints
import XCTest

final class ChatStreamAccumulatorTests: XCTestCase {
    private func delta(_ content: String?, finish: String? = nil, role: String? = nil) -> String {
        var delta: [String: Any] = [:]
        if let content { delta["content"] = content }
        if let role { delta["role"] = role }
        let choice: [String: Any] = ["index": 0, "delta": delta, "finish_reason": finish ?? NSNull()]
        return String(decoding: try! JSONSerialization.data(withJSONObject: ["choices": [choice]]), as: UTF8.self)
    }

    func testStreamsAreJoinedIntoOneAnswer() {
        let usage = #"{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}"#
        let table: [(name: String, events: [String], steps: [ChatStreamAccumulator.Step], text: String, finish: String?,
                     usage: UsageCounts?, complete: Bool)] = [
            ("role delta is not the first token; usage chunk with empty choices",
             [delta("", role: "assistant"), delta("Hel"), delta("lo"), delta(nil, finish: "stop"), usage, "[DONE]"],
             [.progress, .firstContent, .progress, .progress, .progress, .done], "Hello", "stop",
             UsageCounts(promptTokens: 12, completionTokens: 3), true),
            ("no usage stays nil; length is an answer",
             [delta("a"), delta(nil, finish: "length"), "[DONE]"], [.firstContent, .progress, .done], "a", "length", nil, true),
            ("finish reason without [DONE] is complete", [delta("a", finish: "stop")], [.firstContent], "a", "stop", nil, true),
            ("[DONE] without finish reason is complete", [delta("a"), "[DONE]"], [.firstContent, .done], "a", nil, nil, true),
            ("cut off: neither", [delta("a"), delta("b")], [.firstContent, .progress], "ab", nil, nil, false),
            ("events after [DONE] are ignored", ["[DONE]", delta("late")], [.done, .progress], "", nil, nil, true),
            ("null usage is no usage", [#"{"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}],"usage":null}"#],
             [.firstContent], "x", "stop", nil, true),
        ]
        for row in table {
            var accumulator = ChatStreamAccumulator()
            let steps = row.events.map { accumulator.read(eventData: $0) }
            XCTAssertEqual(steps, row.steps, row.name)
            XCTAssertEqual(accumulator.text, row.text, row.name)
            XCTAssertEqual(accumulator.finishReason, row.finish, row.name)
            XCTAssertEqual(accumulator.usage, row.usage, row.name)
            XCTAssertEqual(accumulator.isComplete, row.complete, row.name)
        }
    }

    func testErrorsAndGarbageInsideAStreamAreReported() {
        var accumulator = ChatStreamAccumulator()
        XCTAssertEqual(accumulator.read(eventData: #"{"error":{"message":"overloaded","type":"server_error"}}"#),
                       .serverError(ServerErrorBody(message: "overloaded", code: nil, type: "server_error")))
        XCTAssertEqual(accumulator.read(eventData: "not json"), .malformed("not json"))
    }

    func testNonStreamingCompletionsAreRead() {
        let full = ChatCompletionJSON(Array(#"{"choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"length"}],"usage":{"prompt_tokens":5,"completion_tokens":1}}"#.utf8))
        XCTAssertEqual(full?.text, "Hi")
        XCTAssertEqual(full?.finishReason, "length")
        XCTAssertEqual(full?.usage, UsageCounts(promptTokens: 5, completionTokens: 1))
        let bare = ChatCompletionJSON(Array(#"{"choices":[{"message":{"content":"Hi"}}]}"#.utf8))
        XCTAssertEqual(bare?.text, "Hi")
        XCTAssertNil(bare?.usage)
        XCTAssertNil(ChatCompletionJSON(Array(#"{"error":{"message":"no"}}"#.utf8)))
        XCTAssertNil(ChatCompletionJSON(Array("<html>".utf8)))
    }
}
