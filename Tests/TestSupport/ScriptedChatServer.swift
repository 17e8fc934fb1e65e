import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The fault-injecting chat-completions server of the endpoint tests
/// (`Tests/TollgateCLITests/Support/fault_server.py`, see its docstring), started on 127.0.0.1 on
/// a free port and stopped by its process id.
public final class ScriptedChatServer {
    public let process: Process
    public let port: Int

    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    public struct Stats: Decodable {
        public var requests: Int
        public var inFlight: Int
        public var peakInFlight: Int
        /// Requests per distinct body (first 16 hex digits of its SHA-256).
        public var byBody: [String: Int]

        enum CodingKeys: String, CodingKey {
            case requests, inFlight = "in_flight", peakInFlight = "peak_in_flight", byBody = "by_body"
        }
    }

    /// - Parameters:
    ///   - script: actions for the first requests, in arrival order ("429:1", "500", "drop", "quota", …).
    ///   - environment: `EXPECTED_KEY` (required bearer key), `HOLD_SECONDS` (time each answer takes).
    public init(script: [String] = [], environment: [String: String] = [:]) throws {
        let source = Fixtures.directory.deletingLastPathComponent().appendingPathComponent("TollgateCLITests/Support/fault_server.py")
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let scriptJSON = String(decoding: try JSONSerialization.data(withJSONObject: script), as: UTF8.self)
        process.arguments = ["python3", source.path, "0", scriptJSON]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // The first line is the port; bounded by the read of one line.
        var line = Data()
        while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line.append(byte)
            if line.count > 16 { break }
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw LlamaCppServer.ServerError.noPort
        }
        self.port = port
    }

    deinit { stop() }

    public func stop() { ChildProcess.stop(process) }

    public func stats() throws -> Stats {
        try JSONDecoder().decode(Stats.self, from: try call("GET", "/__stats", body: nil))
    }

    /// Sets the mode: "normal", "down", or "fail_matching" with `failSubstring`.
    public func setMode(_ mode: String, failSubstring: String = "") throws {
        _ = try call("POST", "/__control", body: try JSONSerialization.data(withJSONObject: ["mode": mode, "fail_substring": failSubstring]))
    }

    private func call(_ method: String, _ path: String, body: Data?) throws -> Data {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 5
        let done = DispatchSemaphore(value: 0)
        var result: Data?
        URLSession.shared.dataTask(with: request) { data, _, _ in result = data; done.signal() }.resume()
        _ = done.wait(timeout: .now() + 6)
        guard let result else { throw LlamaCppServer.ServerError.notReady(port: port) }
        return result
    }
}
