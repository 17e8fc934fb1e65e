import Foundation
import GRDB

/// One invocation of the tool: eval, train, gate, run (table `run`).
public struct RunRecord: Codable, Sendable, Equatable, StoreFetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "run"

    /// Lifecycle of a run; a run killed mid-way stays `running` (its process is gone).
    public enum Status: String, Codable, Sendable { case running, succeeded, failed }

    public var id: Int64?
    /// Name of the experiment (YAML file stem) the run belongs to, if any.
    public var experiment: String?
    /// "eval", "train", "gate", "run", …
    public var kind: String
    public var commandLine: String
    public var configJSON: String
    public var toolVersion: String
    public var gitCommit: String?
    public var host: String
    /// Lets a later process tell a crashed run from one still going on the same host.
    public var processID: Int32
    public var threads: Int
    public var startedAt: Date
    public var endedAt: Date?
    public var status: Status

    public init(id: Int64? = nil, experiment: String? = nil, kind: String, commandLine: String,
                configJSON: String = "{}", toolVersion: String, gitCommit: String? = nil,
                host: String = RunRecord.currentHost,
                processID: Int32 = ProcessInfo.processInfo.processIdentifier, threads: Int,
                startedAt: Date = Date(), endedAt: Date? = nil, status: Status = .running) {
        self.id = id; self.experiment = experiment; self.kind = kind; self.commandLine = commandLine
        self.configJSON = configJSON; self.toolVersion = toolVersion; self.gitCommit = gitCommit
        self.host = host; self.processID = processID; self.threads = threads; self.startedAt = startedAt
        self.endedAt = endedAt; self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case id, experiment, kind, host, threads, status
        case commandLine = "command_line", configJSON = "config_json", toolVersion = "tool_version"
        case gitCommit = "git_commit", processID = "process_id", startedAt = "started_at", endedAt = "ended_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// This machine's name from gethostname(2) (`ProcessInfo.hostName` may ask DNS).
    public static let currentHost: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(cString: buffer)
    }()
}

/// Loss and speed at one optimizer step of a training run (table `training_step`).
public struct TrainingStepRecord: Codable, Sendable, Equatable, StoreFetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "training_step"
    public var id: Int64?
    public var runID: Int64
    public var step: Int
    public var loss: Double
    public var learningRate: Double
    public var tokensPerSecond: Double
    public var validLoss: Double?

    public init(id: Int64? = nil, runID: Int64, step: Int, loss: Double, learningRate: Double,
                tokensPerSecond: Double, validLoss: Double? = nil) {
        self.id = id; self.runID = runID; self.step = step; self.loss = loss; self.learningRate = learningRate
        self.tokensPerSecond = tokensPerSecond; self.validLoss = validLoss
    }

    enum CodingKeys: String, CodingKey {
        case id, step, loss
        case runID = "run_id", learningRate = "learning_rate", tokensPerSecond = "tokens_per_second"
        case validLoss = "valid_loss"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// An adapter saved during training (table `checkpoint`).
public struct CheckpointRecord: Codable, Sendable, Equatable, StoreFetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "checkpoint"
    public var id: Int64?
    public var runID: Int64
    public var step: Int
    public var adapterPath: String
    public var adapterSHA256: String
    public var createdAt: Date

    public init(id: Int64? = nil, runID: Int64, step: Int, adapterPath: String, adapterSHA256: String,
                createdAt: Date = Date()) {
        self.id = id; self.runID = runID; self.step = step; self.adapterPath = adapterPath
        self.adapterSHA256 = adapterSHA256; self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, step
        case runID = "run_id", adapterPath = "adapter_path", adapterSHA256 = "adapter_sha256"
        case createdAt = "created_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// The go/no-go outcome of a gated run and the rules behind it (table `gate_decision`).
public struct GateDecisionRecord: Codable, Sendable, Equatable, StoreFetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "gate_decision"
    public var id: Int64?
    public var runID: Int64
    /// "go" or "no-go".
    public var decision: String
    /// One sentence per rule that passed or tripped; stored as JSON.
    public var reasons: [String]
    public var createdAt: Date

    public init(id: Int64? = nil, runID: Int64, decision: String, reasons: [String], createdAt: Date = Date()) {
        self.id = id; self.runID = runID; self.decision = decision; self.reasons = reasons
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, decision
        case runID = "run_id", reasons = "reasons_json", createdAt = "created_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
