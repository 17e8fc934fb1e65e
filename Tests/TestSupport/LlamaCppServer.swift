import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// llama.cpp's OpenAI-compatible server (llama-cpp-python, installed by `make test` into
/// `.build/llama-server-venv`), started on 127.0.0.1 on a free port for one test and stopped by
/// its process id. Started with `--interrupt_requests false`: its default cuts streams short when
/// a second request arrives.
public final class LlamaCppServer {
    public let port: Int
    public let process: Process
    public let logURL: URL

    /// The root to pass as `base_url`.
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    public static var venvPython: URL {
        Fixtures.directory.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/llama-server-venv/bin/python")
    }

    /// Whether tests that need the server run: when it is installed, or when `make test` requires
    /// it (then its absence fails them instead of skipping them silently).
    public static var testsEnabled: Bool {
        FileManager.default.isExecutableFile(atPath: venvPython.path)
            || ProcessInfo.processInfo.environment["TOLLGATE_REQUIRE_LLAMA_SERVER"] == "1"
    }

    /// Starts the server on `model` and waits (at most 90 s) until it answers `GET /v1/models`;
    /// `extraArguments` go after the defaults (`["--logits_all", "true"]` for prompt log-probabilities).
    public init(model: URL, extraArguments: [String] = []) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.venvPython.path) else {
            throw ServerError.notInstalled(python: Self.venvPython.path)
        }
        port = try Self.freePort()
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("llama-server-\(port)-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process = Process()
        process.executableURL = Self.venvPython
        process.arguments = ["-m", "llama_cpp.server", "--model", model.path, "--host", "127.0.0.1", "--port", String(port),
                             "--interrupt_requests", "false", "--n_threads", "2", "--n_ctx", "2048", "--verbose", "false"] + extraArguments
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            if !process.isRunning {
                throw ServerError.exited(log: (try? String(contentsOf: logURL, encoding: .utf8)) ?? "")
            }
            if Self.answers(url: URL(string: "\(baseURL)/models")!) { return }
            Thread.sleep(forTimeInterval: 0.25)
        }
        stop()
        throw ServerError.notReady(port: port)
    }

    deinit { stop() }

    /// SIGTERM, then SIGKILL after 5 s; waits for the process to end.
    public func stop() { ChildProcess.stop(process) }

    /// What a Python script asking this server by itself prints: the server's own answers, taken
    /// by a client that is not Tollgate's. The script gets the base URL as sys.argv[1] and
    /// `arguments` after it.
    public func outputOfPythonClient(_ script: String, arguments: [String]) throws -> Data {
        let client = Process()
        client.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        client.arguments = ["python3", "-c", script, baseURL] + arguments
        let pipe = Pipe()
        client.standardOutput = pipe
        try client.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        client.waitUntilExit()
        return data
    }

    /// A port nothing listens on right now (bound to 0 and released).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError.noPort }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { throw ServerError.noPort }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func answers(url: URL) -> Bool {
        let done = DispatchSemaphore(value: 0)
        var ok = false
        var request = URLRequest(url: url)
        request.timeoutInterval = 2
        URLSession.shared.dataTask(with: request) { _, response, _ in
            ok = (response as? HTTPURLResponse)?.statusCode == 200
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + 3)
        return ok
    }

    public enum ServerError: Error, CustomStringConvertible {
        case exited(log: String)
        case notReady(port: Int)
        case noPort
        case notInstalled(python: String)

        public var description: String {
            switch self {
            case .notInstalled(let python): return "\(python) is missing; run `make llama-server`"
            case .exited(let log): return "llama.cpp's server exited at start: \(log.suffix(2000))"
            case .notReady(let port): return "llama.cpp's server did not answer on port \(port) within 90 s"
            case .noPort: return "no free port on 127.0.0.1"
            }
        }
    }
}

/// Processes the tests start, stopped by their id.
public enum ChildProcess {
    /// SIGTERM, then SIGKILL after 5 s; waits for the process to end.
    public static func stop(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
