import Foundation
import NIOCore
import NIOHTTP1

/// One connection of the `FaultServer`: reads a request, asks the server's script what to do, and
/// does it with timers on the connection's event loop (never blocking it).
final class FaultHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let box: ServerBox
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    /// A chat request is being answered (so a closed connection ends it in the server's count).
    private var answering = false

    init(server: ServerBox) {
        self.box = server
    }

    func channelActive(context: ChannelHandlerContext) {
        box.server?.connected()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        endAnswer()
        box.server?.disconnected()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            guard let head, let server = box.server else { return }
            guard head.method == .POST, head.uri.hasSuffix("/chat/completions") else {
                respond(context, status: .notFound, body: #"{"error":{"message":"no such route"}}"#)
                return
            }
            let request = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
            let key = ((request["messages"] as? [[String: Any]])?.last?["content"] as? String) ?? ""
            let streaming = request["stream"] as? Bool ?? false
            let wantsUsage = (request["stream_options"] as? [String: Any])?["include_usage"] as? Bool ?? false
            answering = true
            let fault = server.arrived(key: key, headers: head.headers)
            perform(fault, context: context, key: key, streaming: streaming, wantsUsage: wantsUsage, headers: head.headers)
        }
    }

    private func endAnswer() {
        if answering {
            answering = false
            box.server?.finished()
        }
    }

    private func perform(_ fault: Fault, context: ChannelHandlerContext, key: String, streaming: Bool, wantsUsage: Bool, headers: HTTPHeaders) {
        switch fault {
        case .answer(let reply):
            let text = reply.text ?? "answer to \(key)"
            later(context, reply.hold) {
                if streaming {
                    self.stream(context, text: text, reply: reply, wantsUsage: wantsUsage)
                } else {
                    self.later(context, reply.firstTokenDelay + reply.stallBeforeFinish) {
                        self.respond(context, status: .ok, body: Self.completionJSON(text: text, reply: reply))
                    }
                }
            }
        case .status(let code, let body, let extra):
            respond(context, status: HTTPResponseStatus(statusCode: code), body: body, headers: extra)
        case .dropMidStream:
            startStream(context)
            send(context, Self.event(["choices": [["index": 0, "delta": ["content": "partial "]]]], crlf: false))
            context.close(promise: nil)
        case .truncate:
            startStream(context)
            send(context, Self.event(["choices": [["index": 0, "delta": ["content": "cut off"]]]], crlf: false))
            finishResponse(context)
        case .echoSecrets(let code):
            let echoed = "Incorrect API key provided: \(headers.first(name: "authorization") ?? "") team \(headers.first(name: "x-team") ?? "")"
            let body = try! JSONSerialization.data(withJSONObject: ["error": ["message": echoed, "type": "invalid_request_error"]])
            respond(context, status: HTTPResponseStatus(statusCode: code), body: String(decoding: body, as: UTF8.self))
        case .errorInStream(let json):
            startStream(context)
            send(context, "data: \(json)\n\n")
            finishResponse(context)
        case .hang:
            break
        }
    }

    /// Head, an empty role delta (a first byte that is not a first token), the content in 4-character
    /// deltas, the finish chunk, the usage chunk when asked for, `[DONE]`.
    private func stream(_ context: ChannelHandlerContext, text: String, reply: Reply, wantsUsage: Bool) {
        let crlf = reply.crlfAndComments
        startStream(context)
        send(context, Self.event(["choices": [["index": 0, "delta": ["role": "assistant", "content": ""], "finish_reason": NSNull()]]], crlf: crlf))
        let pieces = stride(from: 0, to: text.count, by: 4).map { start -> String in
            let from = text.index(text.startIndex, offsetBy: start)
            return String(text[from..<(text.index(from, offsetBy: 4, limitedBy: text.endIndex) ?? text.endIndex)])
        }
        later(context, reply.firstTokenDelay) {
            for piece in pieces {
                if crlf { self.send(context, ": keep-alive\r\n\r\n") }
                self.send(context, Self.event(["choices": [["index": 0, "delta": ["content": piece], "finish_reason": NSNull()]]], crlf: crlf))
            }
            self.later(context, reply.stallBeforeFinish) {
                self.send(context, Self.event(["choices": [["index": 0, "delta": [:] as [String: Any], "finish_reason": reply.finishReason]]], crlf: crlf))
                if wantsUsage && reply.usage {
                    self.send(context, Self.event(["choices": [] as [Any], "usage": ["prompt_tokens": 7, "completion_tokens": pieces.count, "total_tokens": 7 + pieces.count]], crlf: crlf))
                }
                self.send(context, crlf ? "data: [DONE]\r\n\r\n" : "data: [DONE]\n\n")
                if reply.endAfterDone { self.finishResponse(context) }
            }
        }
    }

    private static func completionJSON(text: String, reply: Reply) -> String {
        var object: [String: Any] = [
            "id": "chatcmpl-test", "object": "chat.completion",
            "choices": [["index": 0, "message": ["role": "assistant", "content": text], "finish_reason": reply.finishReason]],
        ]
        if reply.usage { object["usage"] = ["prompt_tokens": 7, "completion_tokens": (text.count + 3) / 4] }
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    private static func event(_ object: [String: Any], crlf: Bool) -> String {
        let json = String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        return crlf ? "data: \(json)\r\n\r\n" : "data: \(json)\n\n"
    }

    private func startStream(_ context: ChannelHandlerContext) {
        var head = HTTPResponseHead(version: .http1_1, status: .ok)
        head.headers.add(name: "Content-Type", value: "text/event-stream")
        head.headers.add(name: "Transfer-Encoding", value: "chunked")
        context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
    }

    private func send(_ context: ChannelHandlerContext, _ text: String) {
        guard context.channel.isActive else { return }
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
    }

    private func finishResponse(_ context: ChannelHandlerContext) {
        endAnswer()
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func respond(_ context: ChannelHandlerContext, status: HTTPResponseStatus, body: String, headers extra: [(String, String)] = []) {
        var head = HTTPResponseHead(version: .http1_1, status: status)
        head.headers.add(name: "Content-Type", value: "application/json")
        head.headers.add(name: "Content-Length", value: String(body.utf8.count))
        for (name, value) in extra { head.headers.add(name: name, value: value) }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        finishResponse(context)
    }

    /// Runs `work` on the event loop after `seconds` (at once when 0), if the connection is still open.
    private func later(_ context: ChannelHandlerContext, _ seconds: Double, _ work: @escaping () -> Void) {
        guard seconds > 0 else { return work() }
        context.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
            if context.channel.isActive { work() }
        }
    }
}
