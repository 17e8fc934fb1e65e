import AsyncHTTPClient
import Foundation
import NIOCore

/// One HTTP exchange for a chat completion, raced against its first-token and total timeouts.
/// Streamed answers are read as they arrive; the answer is whatever the body says, by its
/// Content-Type (`text/event-stream` is parsed as events even when JSON was asked for, and the
/// other way round), so servers that ignore `"stream"` still work.
struct ChatAttempt: Sendable {
    let client: HTTPClient
    let request: HTTPClientRequest
    let timeouts: EndpointTimeouts
    /// Bodies longer than this end the attempt: a runaway server cannot fill memory.
    static let maxAnswerBytes = 32 << 20
    /// Error bodies are read up to this much; the message needs only the start.
    static let maxErrorBytes = 64 << 10

    enum Outcome: Sendable {
        case answered(ChatAnswer)
        case failed(AttemptFailure)
    }

    func run() async -> Outcome {
        let progress = AttemptProgress()
        let sentAt = ContinuousClock.now
        return await withTaskGroup(of: Outcome?.self) { group in
            group.addTask { await self.exchange(sentAt: sentAt, progress: progress) }
            group.addTask { await Self.watch(progress: progress, sentAt: sentAt, timeouts: self.timeouts) }
            // The first to finish decides; the other is cancelled (the exchange stops reading, the
            // watchdog stops sleeping) and its result dropped.
            for await outcome in group {
                if let outcome {
                    group.cancelAll()
                    return outcome
                }
            }
            return .failed(AttemptFailure(kind: .notSent, retryable: false, message: "cancelled"))
        }
    }

    /// Nil when cancelled because the exchange finished first. The first-token timeout covers the
    /// whole answer when it is not streamed (no token arrives before the body ends).
    private static func watch(progress: AttemptProgress, sentAt: ContinuousClock.Instant, timeouts: EndpointTimeouts) async -> Outcome? {
        let firstToken = min(timeouts.firstToken, timeouts.total)
        do { try await Task.sleep(until: sentAt + .seconds(firstToken), clock: .continuous) } catch { return nil }
        if let answer = progress.answer { return .answered(answer) }
        if !progress.sawFirstToken {
            return .failed(.timeout("no first token within \(seconds(firstToken))"))
        }
        do { try await Task.sleep(until: sentAt + .seconds(timeouts.total), clock: .continuous) } catch { return nil }
        if let answer = progress.answer { return .answered(answer) }
        return .failed(.timeout("no end within the total timeout of \(seconds(timeouts.total))"))
    }

    private func exchange(sentAt: ContinuousClock.Instant, progress: AttemptProgress) async -> Outcome {
        var answeredStatus: Int?
        do {
            // The client's own deadline is a backstop a little after the watchdog's.
            let response = try await client.execute(request, deadline: .now() + .milliseconds(Int64(timeouts.total * 1000) + 1000))
            let status = Int(response.status.code)
            answeredStatus = status
            guard (200..<300).contains(status) else {
                let body = try await Self.read(response.body, limit: Self.maxErrorBytes, truncate: true)
                let retryAfter = RetryAfterHeader.seconds(retryAfterMs: response.headers.first(name: "retry-after-ms"),
                                                          retryAfter: response.headers.first(name: "retry-after"))
                var error = ServerErrorBody.parse(body)
                if (300..<400).contains(status), let location = response.headers.first(name: "location") {
                    // Redirects are not followed (they would carry the key along): say where to point base_url.
                    error.message = "redirected to \(location); set base_url to the address that answers"
                }
                return .failed(.response(status: status, error: error, retryAfter: retryAfter))
            }
            let contentType = response.headers.first(name: "content-type")?.lowercased() ?? ""
            if contentType.hasPrefix("text/event-stream") {
                return try await readStream(response.body, status: status, sentAt: sentAt, progress: progress)
            }
            let body = try await Self.read(response.body, limit: Self.maxAnswerBytes, truncate: false)
            let latency = Self.seconds(since: sentAt)
            guard let completion = ChatCompletionJSON(body) else {
                if let object = try? JSONSerialization.jsonObject(with: Data(body)), let error = ServerErrorBody(json: object) {
                    return .failed(.inAnswer(error, status: status))
                }
                return .failed(.dropped("HTTP \(status) answer is not a chat completion: "
                    + FailureText.oneLine(String(decoding: body.prefix(120), as: UTF8.self), limit: 120), status: status))
            }
            return .answered(ChatAnswer(text: completion.text, finishReason: completion.finishReason,
                                        promptTokens: completion.usage?.promptTokens, completionTokens: completion.usage?.completionTokens,
                                        latencySeconds: latency, timeToFirstTokenSeconds: nil, retries: 0))
        } catch let failure as AttemptFailure {
            return .failed(failure)
        } catch {
            return .failed(.thrown(error, status: answeredStatus))
        }
    }

    private func readStream(_ body: HTTPClientResponse.Body, status: Int, sentAt: ContinuousClock.Instant,
                            progress: AttemptProgress) async throws -> Outcome {
        var parser = ServerSentEventParser()
        var answer = ChatStreamAccumulator()
        var firstToken: Double?
        var lastByte = sentAt
        var received = 0
        func consume(_ events: [String]) -> Outcome? {
            for event in events {
                switch answer.read(eventData: event) {
                case .firstContent:
                    firstToken = Self.seconds(since: sentAt)
                    progress.markFirstToken()
                case .progress, .done:
                    break
                case .serverError(let error):
                    return .failed(.inAnswer(error, status: status))
                case .malformed(let text):
                    return .failed(.dropped("stream event is not JSON: \(text)", status: status))
                }
            }
            return nil
        }
        var iterator = body.makeAsyncIterator()
        while let buffer = try await iterator.next() {
            lastByte = .now
            received += buffer.readableBytes
            if received > Self.maxAnswerBytes {
                return .failed(AttemptFailure(kind: .rejected, retryable: false, status: status,
                                              message: "answer longer than \(Self.maxAnswerBytes >> 20) MiB"))
            }
            if let failed = consume(parser.feed(buffer.readableBytesView)) { return failed }
            if answer.sawDone { break }
        }
        if let failed = consume(parser.finish()) { return failed }
        guard answer.isComplete else {
            return .failed(.dropped("stream ended without [DONE] or a finish_reason after \(received) bytes", status: status))
        }
        let result = ChatAnswer(text: answer.text, finishReason: answer.finishReason,
                                promptTokens: answer.usage?.promptTokens, completionTokens: answer.usage?.completionTokens,
                                latencySeconds: Self.seconds(sentAt.duration(to: lastByte)),
                                timeToFirstTokenSeconds: firstToken, retries: 0)
        if answer.sawDone {
            progress.keep(result)
            await Self.drain(iterator)
        }
        return .answered(result)
    }

    /// After `[DONE]` a server ends the body at once; reading that end keeps the connection for the
    /// next request (an unread body closes it, and a new TLS connection per request is slow). A
    /// server that keeps the body open is given a second.
    private static func drain(_ iterator: HTTPClientResponse.Body.AsyncIterator) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                var iterator = iterator
                var bytes = 0
                while bytes < 1 << 20, let buffer = try? await iterator.next() { bytes += buffer.readableBytes }
            }
            group.addTask { try? await Task.sleep(for: .seconds(1)) }
            await group.next()
            group.cancelAll()
        }
    }

    /// The body's bytes, at most `limit`: beyond it an error body is cut (`truncate`) and an answer fails.
    private static func read(_ body: HTTPClientResponse.Body, limit: Int, truncate: Bool) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await buffer in body {
            bytes.append(contentsOf: buffer.readableBytesView)
            if bytes.count > limit {
                if truncate { return Array(bytes.prefix(limit)) }
                throw AttemptFailure(kind: .rejected, retryable: false, message: "answer longer than \(limit >> 20) MiB")
            }
        }
        return bytes
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double { seconds(start.duration(to: .now)) }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    private static func seconds(_ value: Double) -> String { String(format: "%g s", value) }
}

/// Written by the exchange, read by the watchdog: whether the first content token has arrived,
/// and the answer once `[DONE]` came (a timeout while the rest of the body is read loses nothing).
final class AttemptProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var firstToken = false
    private var finished: ChatAnswer?

    var sawFirstToken: Bool { lock.withLock { firstToken } }
    var answer: ChatAnswer? { lock.withLock { finished } }

    func markFirstToken() { lock.withLock { firstToken = true } }
    func keep(_ answer: ChatAnswer) { lock.withLock { finished = answer } }
}

extension AttemptFailure: Error {}
