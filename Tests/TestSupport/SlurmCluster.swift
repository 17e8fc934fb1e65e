import Foundation

/// A single-node Slurm cluster on 127.0.0.1 for one test: its own munged, slurmctld and slurmd
/// with their key, sockets, state, spool, pid and log files in a temporary folder and free ports,
/// so two clusters can run side by side. No systemd: each daemon runs in the foreground as a
/// child of the test (see `SpawnedProcess`) and is stopped by its process id.
public final class SlurmCluster {
    public let folder: URL
    public var configPath: String { folder.appendingPathComponent("slurm.conf").path }
    private var daemons: [SpawnedProcess] = []

    public enum ClusterError: Error, CustomStringConvertible {
        case missing(String), notReady(String), command(String)
        public var description: String {
            switch self {
            case .missing(let tool): return "\(tool) is not installed; run make test (it installs slurmctld slurmd slurm-client munge)"
            case .notReady(let log): return "the Slurm node did not come up within 30 s; log:\n\(log)"
            case .command(let text): return text
            }
        }
    }

    /// True when the Debian packages are installed.
    public static var isInstalled: Bool {
        ["/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch"]
            .allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts the daemons and waits (at most 30 s) until the node is idle.
    public init(cpus: Int = 4) throws {
        guard Self.isInstalled else { throw ClusterError.missing("Slurm") }
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-slurm-\(UUID().uuidString)")
        let munge = folder.appendingPathComponent("munge")
        // munged refuses a socket folder others may write to: 0755 all the way.
        try FileManager.default.createDirectory(at: munge, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
        for name in ["state", "spool", "jobs"] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
        let key = random.readData(ofLength: 1024)
        try random.close()
        let keyPath = munge.appendingPathComponent("munge.key").path
        FileManager.default.createFile(atPath: keyPath, contents: key, attributes: [.posixPermissions: 0o400])

        let socket = munge.appendingPathComponent("munge.sock").path
        let (controllerPort, nodePort) = (try LlamaCppServer.freePort(), try LlamaCppServer.freePort())
        let path = folder.path
        let configuration = """
            ClusterName=tollgate
            SlurmctldHost=localhost
            SlurmctldPort=\(controllerPort)
            SlurmdPort=\(nodePort)
            SlurmUser=root
            SlurmdUser=root
            AuthType=auth/munge
            CredType=cred/munge
            AuthInfo=socket=\(socket)
            StateSaveLocation=\(path)/state
            SlurmdSpoolDir=\(path)/spool
            SlurmctldPidFile=\(path)/slurmctld.pid
            SlurmdPidFile=\(path)/slurmd.pid
            SlurmctldLogFile=\(path)/slurmctld.log
            SlurmdLogFile=\(path)/slurmd.log
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            JobAcctGatherType=jobacct_gather/none
            AccountingStorageType=accounting_storage/none
            SelectType=select/cons_tres
            SelectTypeParameters=CR_CPU
            SchedulerParameters=batch_sched_delay=0
            SlurmdParameters=config_overrides
            ReturnToService=2
            MpiDefault=none
            NodeName=localhost NodeAddr=127.0.0.1 CPUs=\(cpus) State=UNKNOWN
            PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP

            """
        try configuration.write(toFile: configPath, atomically: true, encoding: .utf8)

        do {
            try start("/usr/sbin/munged", ["-F", "--key-file=\(keyPath)", "--socket=\(socket)",
                                            "--pid-file=\(munge.path)/munged.pid", "--log-file=\(munge.path)/munged.log",
                                            "--seed-file=\(munge.path)/munged.seed"], log: "munged.out")
            try waitFor(what: "munged", seconds: 10) { FileManager.default.fileExists(atPath: socket) }
            try start("/usr/sbin/slurmctld", ["-D", "-f", configPath], log: "slurmctld.out")
            try start("/usr/sbin/slurmd", ["-D", "-N", "localhost", "-f", configPath], log: "slurmd.out")
            try waitFor(what: "the node", seconds: 30) {
                (try? self.client("sinfo", ["-h", "-o", "%T"]).trimmingCharacters(in: .whitespacesAndNewlines)) == "idle"
            }
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// Stops every daemon this cluster started, by process id (TERM, then KILL after 5 s), and
    /// removes its folder.
    public func stop() {
        for daemon in daemons.reversed() { daemon.stop() }
        daemons.removeAll()
        try? FileManager.default.removeItem(at: folder)
    }

    private var environment: [String: String] {
        ProcessInfo.processInfo.environment.merging(["SLURM_CONF": configPath]) { $1 }
    }

    /// Runs a Slurm client command (`sbatch`, `squeue`, `scancel`, `scontrol`) against this
    /// cluster, for at most 60 s.
    @discardableResult
    public func client(_ tool: String, _ arguments: [String]) throws -> String {
        let output = folder.appendingPathComponent("client-\(UUID().uuidString).out").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let process = try SpawnedProcess(executable: "/usr/bin/\(tool)", arguments: arguments, environment: environment,
                                         outputPath: output)
        guard let status = process.wait(seconds: 60) else {
            process.stop()
            throw ClusterError.command("\(tool) \(arguments.joined(separator: " ")) did not answer within 60 s")
        }
        guard status == 0 else {
            throw ClusterError.command("\(tool) \(arguments.joined(separator: " ")) exited \(status): \(process.output)")
        }
        return process.output
    }

    /// Submits a batch script; returns the job id.
    public func submit(script: String, arguments: [String]) throws -> String {
        let url = folder.appendingPathComponent("jobs/\(UUID().uuidString).sh")
        try script.write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        let id = try client("sbatch", ["--parsable"] + arguments + [url.path])
        return id.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first.map(String.init) ?? id
    }

    /// Polls `squeue` (there is no accounting, so no `sacct`) until the job has no task left
    /// pending or running, for at most `seconds`.
    public func waitUntilDone(job: String, seconds: TimeInterval) throws {
        try waitFor(what: "job \(job)", seconds: seconds, interval: 0.5) {
            // All jobs, not `-j`: squeue rejects the id of a job it has already forgotten.
            guard let queued = try? self.client("squeue", ["-h", "-o", "%i"]) else { return false }
            return !queued.split(separator: "\n").contains { $0 == job || $0.hasPrefix("\(job)_") }
        }
    }

    /// The state Slurm kept for an array task (`COMPLETED`, `CANCELLED`, …) while it remembers it.
    public func state(job: String, task: Int) -> String? {
        guard let text = try? client("scontrol", ["show", "job", "\(job)_\(task)"]),
              let range = text.range(of: #"JobState=(\w+)"#, options: .regularExpression) else { return nil }
        return String(text[range].dropFirst("JobState=".count))
    }

    private func start(_ executable: String, _ arguments: [String], log: String) throws {
        daemons.append(try SpawnedProcess(executable: executable, arguments: arguments, environment: environment,
                                          outputPath: folder.appendingPathComponent(log).path))
    }

    private func waitFor(what: String, seconds: TimeInterval, interval: TimeInterval = 0.2, _ ready: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if ready() { return }
            if let dead = daemons.first(where: { !$0.isRunning }) {
                throw ClusterError.notReady("process \(dead.pid) exited: " + logs())
            }
            Thread.sleep(forTimeInterval: interval)
        }
        throw ClusterError.notReady("waiting for \(what): " + logs())
    }

    /// The end of every daemon's log, for a failure message.
    public func logs() -> String {
        ["munged.out", "slurmctld.out", "slurmd.out"].map { name -> String in
            let text = (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? ""
            return "--- \(name)\n" + text.split(separator: "\n").suffix(15).joined(separator: "\n")
        }.joined(separator: "\n")
    }
}
