import Foundation
import Store
import Testing

@Suite struct StoreConcurrencyTests {
    /// Two independent connections pools (as two processes would hold) create one new store and
    /// write batches into it at the same time; busy waits, not errors, sort them out.
    @Test func twoStoresOpenedConcurrentlyOnOneFileBothWriteEveryRow() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let path = folder.path("tollgate.db")
        let writers = 2, batches = 25, batchSize = 20
        let failures = Failures()

        DispatchQueue.concurrentPerform(iterations: writers) { writer in
            do {
                let store = try TollgateStore(path: path)
                let ids = try seedProvenance(store)
                let evaluation = try store.findOrCreateEvaluation(runID: ids.run, modelID: ids.model, adapterID: nil,
                                                                  datasetID: ids.dataset,
                                                                  decodingJSON: #"{"writer":\#(writer)}"#)
                for batch in 0..<batches {
                    try store.insertPredictions((0..<batchSize).map {
                        samplePrediction(evaluationID: evaluation.evaluationID, index: batch * batchSize + $0)
                    })
                    try store.storeGenerations([GenerationCacheRecord(key: "shared-\(batch)", output: "o\(writer)",
                                                                      outputIDs: [writer], promptTokens: 1,
                                                                      completionTokens: 1, seconds: 0)])
                }
                try store.finishRun(id: ids.run, status: .succeeded)
            } catch {
                failures.append("writer \(writer): \(error.localizedDescription)")
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all)")

        let store = try TollgateStore(path: path)
        let runs = try store.runs(limit: 10)
        #expect(runs.count == writers && runs.allSatisfy { $0.status == .succeeded })
        for run in runs {
            let evaluations = try store.evaluations(runID: run.id!)
            #expect(evaluations.count == 1)
            let indices = try store.predictions(evaluationID: evaluations[0].id!).map(\.exampleIndex)
            #expect(indices == Array(0..<(batches * batchSize)))
        }
        #expect(try store.cachedGenerations(keys: (0..<batches).map { "shared-\($0)" }).count == batches)
    }
}

/// Errors collected from concurrent writers.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func append(_ message: String) { lock.lock(); messages.append(message); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return messages }
}
