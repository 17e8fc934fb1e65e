import Foundation

/// Reference files copied from `../shared/fixtures` into `Tests/Fixtures` (the project never
/// reads `../shared`). Located from this source file so tests run from any working directory.
public enum Fixtures {
    public static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TestSupport
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures")

    /// A new empty folder "tollgate-<label>-<UUID>" in the system's temporary directory; the
    /// caller removes it.
    public static func temporaryFolder(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    public static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    public static func data(_ name: String) throws -> Data { try Data(contentsOf: url(name)) }

    /// Parsed JSON fixture (a dictionary at the top level).
    public static func json(_ name: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: data(name))
        guard let dictionary = object as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: url(name).path])
        }
        return dictionary
    }

    /// The default model fetched by `make setup`; nil when it is absent (tests that need it skip).
    public static var smolLM2: URL? {
        let url = directory.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// Gemma 3 270M (Q4_K_M), fetched by `make gemma-model` (and `make test`); nil when it is absent.
    public static var gemma3: URL? {
        let url = directory.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models/gemma-3-270m-q4_k_m.gguf")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }
}

/// The `tollgate` executable built beside the test bundle (same configuration).
public enum TollgateBinary {
    public static var url: URL {
        // The test bundle lives in .build/<triple>/<config>/; the executable is next to it.
        var directory = Bundle.main.bundleURL
        if directory.pathExtension == "xctest" { directory = directory.deletingLastPathComponent() }
        for candidate in [directory, Bundle.main.bundleURL.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("tollgate")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return directory.appendingPathComponent("tollgate")
    }

    /// Runs `tollgate` with arguments; returns exit status, stdout and stderr.
    @discardableResult
    public static func run(_ arguments: [String], environment: [String: String]? = nil,
                           currentDirectory: URL? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting so a large output cannot block the child.
        let group = DispatchGroup()
        var outData = Data(), errData = Data()
        group.enter()
        DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}
