import Foundation
import GRDB

/// Runs, training progress, checkpoints and gate decisions.
extension TollgateStore {
    /// Records a run that starts now (status `running`) and returns its id.
    public func beginRun(_ run: RunRecord) throws -> Int64 {
        try write { db in
            var inserted = run
            try inserted.insert(db)
            return inserted.id!
        }
    }

    /// Sets the final status and end time of a run.
    public func finishRun(id: Int64, status: RunRecord.Status, endedAt: Date = Date()) throws {
        try write { db in
            guard var run = try RunRecord.fetchOne(db, key: id) else {
                throw StoreError.missingRow(path: path, table: "run", id: id)
            }
            run.status = status
            run.endedAt = endedAt
            try run.update(db)
        }
    }

    public func run(id: Int64) throws -> RunRecord? { try read { db in try RunRecord.fetchOne(db, key: id) } }

    /// The most recent runs first.
    public func runs(limit: Int = 50) throws -> [RunRecord] {
        try read { db in
            try RunRecord.order(Column("started_at").desc, Column("id").desc).limit(limit).fetchAll(db)
        }
    }

    /// The experiment's most recent runs whose gate said go, newest first (the baseline for drift).
    public func lastGoRuns(experiment: String, limit: Int = 10) throws -> [RunRecord] {
        try read { db in
            try RunRecord.fetchAll(db, sql: """
                SELECT run.* FROM run
                WHERE run.experiment = ?
                  AND EXISTS (SELECT 1 FROM gate_decision
                              WHERE gate_decision.run_id = run.id AND gate_decision.decision = 'go')
                ORDER BY run.started_at DESC, run.id DESC
                LIMIT ?
                """, arguments: [experiment, limit])
        }
    }

    /// Appends (or, for a step seen before after a resume, replaces) training steps in one transaction.
    public func recordTrainingSteps(_ steps: [TrainingStepRecord]) throws {
        try write { db in
            for var step in steps { try step.insert(db, onConflict: .replace) }
        }
    }

    public func trainingSteps(runID: Int64) throws -> [TrainingStepRecord] {
        try read { db in try TrainingStepRecord.filter(Column("run_id") == runID).order(Column("step")).fetchAll(db) }
    }

    @discardableResult
    public func recordCheckpoint(_ checkpoint: CheckpointRecord) throws -> Int64 {
        try write { db in
            var inserted = checkpoint
            try inserted.insert(db)
            return inserted.id!
        }
    }

    public func checkpoints(runID: Int64) throws -> [CheckpointRecord] {
        try read { db in try CheckpointRecord.filter(Column("run_id") == runID).order(Column("step")).fetchAll(db) }
    }

    @discardableResult
    public func recordGateDecision(_ decision: GateDecisionRecord) throws -> Int64 {
        try write { db in
            var inserted = decision
            try inserted.insert(db)
            return inserted.id!
        }
    }

    /// The latest gate decision of a run, if it was gated.
    public func gateDecision(runID: Int64) throws -> GateDecisionRecord? {
        try read { db in
            try GateDecisionRecord.filter(Column("run_id") == runID).order(Column("id").desc).fetchOne(db)
        }
    }
}
