import Foundation
import Reports

/// Writes a sweep's sbatch scripts and submits them: the array, then the collect job with
/// `--dependency=afterany:<array>`. Returns the two job ids.
public enum SlurmSubmission {
    public static func write(_ scripts: SweepSlurmScripts) throws {
        try FileManager.default.createDirectory(atPath: scripts.layout.logFolder, withIntermediateDirectories: true)
        try ReportFile.write(scripts.arrayScript, to: scripts.arrayPath)
        try ReportFile.write(scripts.collectScript, to: scripts.collectPath)
    }

    public static func submit(_ scripts: SweepSlurmScripts) throws -> (array: String, collect: String) {
        try write(scripts)
        let array = try sbatch([scripts.arrayPath])
        let collect = try sbatch(["--dependency=afterany:\(array)", scripts.collectPath])
        return (array, collect)
    }

    /// `sbatch --parsable ARGS` (found on PATH), for at most 60 s; its job id.
    static func sbatch(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sbatch", "--parsable"] + arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch {
            throw InfrastructureFailure(message: "sbatch could not be started (\(error.localizedDescription)); install the Slurm client or use --emit slurm")
        }
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            throw InfrastructureFailure(message: "sbatch \(arguments.joined(separator: " ")) did not answer within 60 s; check slurmctld and submit again")
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0,
              let id = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first, !id.isEmpty else {
            let reason = problem.split(separator: "\n").last.map(String.init) ?? "exit \(process.terminationStatus)"
            throw InfrastructureFailure(message: "sbatch \(arguments.joined(separator: " ")) failed: \(reason); no job was submitted for it")
        }
        return String(id)
    }
}
