import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// How the test server answers one chat-completions request.
enum Fault: Sendable {
    /// A normal answer, streamed or not as the request asks.
    case answer(Reply)
    /// An error response: status, raw body, extra headers.
    case status(Int, body: String, headers: [(String, String)] = [])
    /// Streams the role chunk and one content chunk, then closes the connection mid-body.
    case dropMidStream
    /// Streams content, then ends the body cleanly with no finish_reason and no [DONE].
    case truncate
    /// An error whose message quotes the request's Authorization and X-Team headers back.
    case echoSecrets(Int)
    /// A 200 stream whose only event is this error object, then a clean end.
    case errorInStream(String)
    /// Reads the request and never answers.
    case hang

    static func quota() -> Fault {
        .status(429, body: #"{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#)
    }

    static func error(_ status: Int, _ message: String, headers: [(String, String)] = []) -> Fault {
        .status(status, body: #"{"error":{"message":"\#(message)","type":"invalid_request_error","code":null}}"#, headers: headers)
    }
}

/// The content and pacing of an answer.
struct Reply: Sendable {
    /// Nil answers "answer to <the request's last message>".
    var text: String?
    var finishReason = "stop"
    /// Sends `usage` (as a last chunk with empty `choices` when streaming and asked for).
    var usage = true
    /// Before anything is sent, even the response head.
    var hold: Double = 0
    /// After the head and an empty role delta, before the first content.
    var firstTokenDelay: Double = 0
    /// After the content, before the finish chunk.
    var stallBeforeFinish: Double = 0
    /// Lines end in CRLF, and keep-alive comments are sent between events.
    var crlfAndComments = false
    /// False keeps the streamed body open after `[DONE]` (until the client goes away).
    var endAfterDone = true
}

/// A chat-completions server on 127.0.0.1 (ephemeral port) for the client's tests: answers are
/// scripted per request key (the last message's content) and per arrival of that key, so faults
/// land on the intended attempt whatever order concurrent requests arrive in. It counts requests
/// and tracks requests and connections in flight (current and peak).
final class FaultServer: @unchecked Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel
    let port: Int
    private let lock = NSLock()
    private let script: [String: [Fault]]
    private var arrivals: [String: Int] = [:]
    private var arrivalTimes: [Double] = []
    private var lastHeaders: [String: String] = [:]
    private var inFlight = 0
    private var peak = 0
    private var connections = 0
    private var peakConnections = 0
    private var openedConnections = 0
    private let origin = Date()

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    static func start(script: [String: [Fault]] = [:]) async throws -> FaultServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let box = ServerBox()
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.backlog, value: 256)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.pipeline.configureHTTPServerPipeline().flatMap {
                        channel.pipeline.addHandler(FaultHandler(server: box))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            let server = FaultServer(group: group, channel: channel, script: script)
            box.server = server
            return server
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private init(group: MultiThreadedEventLoopGroup, channel: Channel, script: [String: [Fault]]) {
        self.group = group
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
        self.script = script
    }

    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    /// A port on 127.0.0.1 that nothing listens on: bound, read and closed again.
    static func closedPort() async throws -> Int {
        let server = try await start()
        let port = server.port
        await server.stop()
        return port
    }

    // MARK: what the tests read

    var requestCount: Int { lock.withLock { arrivals.values.reduce(0, +) } }
    func count(_ key: String) -> Int { lock.withLock { arrivals[key] ?? 0 } }
    var peakInFlight: Int { lock.withLock { peak } }
    var currentInFlight: Int { lock.withLock { inFlight } }
    var peakConnectionCount: Int { lock.withLock { peakConnections } }
    /// Connections accepted so far: more than the concurrency means connections were not reused.
    var connectionsOpened: Int { lock.withLock { openedConnections } }
    /// Seconds since the server started at which each chat request arrived.
    var arrivalSeconds: [Double] { lock.withLock { arrivalTimes } }
    /// The last chat request's headers, names lowercased.
    var headersOfLastRequest: [String: String] { lock.withLock { lastHeaders } }

    // MARK: what the handler calls

    func arrived(key: String, headers: HTTPHeaders) -> Fault {
        lock.withLock {
            let index = arrivals[key, default: 0]
            arrivals[key] = index + 1
            arrivalTimes.append(Date().timeIntervalSince(origin))
            lastHeaders = Dictionary(headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { $1 })
            inFlight += 1
            peak = max(peak, inFlight)
            let faults = script[key] ?? []
            return index < faults.count ? faults[index] : .answer(Reply())
        }
    }

    func finished() { lock.withLock { inFlight -= 1 } }

    func connected() {
        lock.withLock {
            connections += 1
            openedConnections += 1
            peakConnections = max(peakConnections, connections)
        }
    }

    func disconnected() { lock.withLock { connections -= 1 } }
}

/// Lets handlers made before the server object exists reach it.
final class ServerBox: @unchecked Sendable {
    weak var server: FaultServer?
}
