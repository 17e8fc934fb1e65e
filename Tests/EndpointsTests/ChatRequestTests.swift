import Endpoints
import Foundation
import XCTest

final class ChatRequestTests: XCTestCase {
    func testBodyIsSortedCanonicalJSONWithUsageRequestedWhenStreaming() throws {
        let request = ChatRequest(messages: [ChatMessage(role: "user", content: "Where is my refund?")], maxTokens: 8, seed: 3)
        let text = String(decoding: request.body(model: "@cf/meta/llama-3.2-1b-instruct", stream: true), as: UTF8.self)
        XCTAssertEqual(text, #"{"max_tokens":8,"messages":[{"content":"Where is my refund?","role":"user"}],"#
            + #""model":"@cf/meta/llama-3.2-1b-instruct","seed":3,"stream":true,"stream_options":{"include_usage":true},"temperature":0}"#)
        let plain = String(decoding: request.body(model: "m", stream: false), as: UTF8.self)
        XCTAssertFalse(plain.contains("stream_options"))
    }

    func testResponseFormatIsSentAsAnObjectAndChangesTheBody() throws {
        var request = ChatRequest(messages: [ChatMessage(role: "user", content: "Grade it")], maxTokens: 16)
        let free = request.body(model: "m", stream: false)
        request.responseFormat = #"{"schema":{"enum":["FAIL","PASS"]},"type":"json_object"}"#
        let constrained = request.body(model: "m", stream: false)
        XCTAssertNotEqual(free, constrained)
        XCTAssertTrue(String(decoding: constrained, as: UTF8.self)
            .contains(#""response_format":{"schema":{"enum":["FAIL","PASS"]},"type":"json_object"}"#))
    }

    func testPriceNeedsUsageOnlyWhenTokensArePriced() {
        let tokens = EndpointPrice(inputPerMillion: 0.027, outputPerMillion: 0.201)
        XCTAssertEqual(tokens.cost(promptTokens: 1_000_000, completionTokens: 1_000_000)!, 0.228, accuracy: 1e-12)
        XCTAssertNil(tokens.cost(promptTokens: nil, completionTokens: 5))
        XCTAssertEqual(EndpointPrice(perRequest: 0.001).cost(promptTokens: nil, completionTokens: nil), 0.001)
    }

    func testChatCompletionsURLJoinsWithOneSlash() {
        XCTAssertEqual(EndpointConfig(name: "a", baseURL: "http://127.0.0.1:8080/v1/", model: "m").chatCompletionsURL,
                       "http://127.0.0.1:8080/v1/chat/completions")
        XCTAssertEqual(EndpointConfig(name: "a", baseURL: "http://127.0.0.1:8080/v1", model: "m").chatCompletionsURL,
                       "http://127.0.0.1:8080/v1/chat/completions")
    }
}
