import Foundation
import Store

/// A store file from elsewhere: foreign, damaged or of another schema. Opening must either refuse it
/// with a `StoreError` or give a store whose reads work or throw.
let storeTarget = FuzzTarget(name: "store", summary: "TollgateStore(path:) on the bytes as tollgate.db, then the reads report and history make") { data in
    let folder = ScratchFile.emptyFolder("store")
    let path = folder.appendingPathComponent(TollgateStore.defaultFileName).path
    precondition(FileManager.default.createFile(atPath: path, contents: data), "cannot write the scratch file \(path)")
    guard let store = try? TollgateStore(path: path) else { return }
    _ = try? store.appliedMigrations()
    if let runs = try? store.runs(limit: 5) {
        for run in runs {
            guard let id = run.id else { continue }
            _ = try? store.gateDecision(runID: id)
            _ = try? store.trainingSteps(runID: id)
            _ = try? store.evaluationOverviews(runID: id, limit: 5)
        }
    }
    var texts = 0
    _ = try? store.forEachStoredText { _ in
        texts += 1
        if texts > 10_000 { throw CancellationError() }
    }
}
