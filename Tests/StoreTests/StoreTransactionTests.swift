import Foundation
import Store
import Testing

@Suite struct StoreTransactionTests {
    @Test func aBatchWithOneFailingRowStoresNothing() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let store = try TollgateStore(path: folder.path("tollgate.db"))
        let ids = try seedProvenance(store)
        let evaluationID = try store.findOrCreateEvaluation(runID: ids.run, modelID: ids.model, adapterID: nil,
                                                            datasetID: ids.dataset, decodingJSON: "{}").evaluationID
        try store.insertPredictions([samplePrediction(evaluationID: evaluationID, index: 0)])

        // Rows 1 and 2 are fine; the third repeats example 0 and violates UNIQUE(evaluation_id, example_index).
        let batch = [1, 2, 0].map { samplePrediction(evaluationID: evaluationID, index: $0) }
        #expect {
            try store.insertPredictions(batch)
        } throws: { error in
            guard case StoreError.sqlite(_, let message) = error else { return false }
            return message.contains("UNIQUE")
        }
        #expect(try store.predictions(evaluationID: evaluationID).map(\.exampleIndex) == [0])

        // A row pointing at a missing evaluation fails its foreign key and takes the batch with it.
        let orphan = [samplePrediction(evaluationID: evaluationID, index: 5), samplePrediction(evaluationID: 9999, index: 6)]
        #expect(throws: StoreError.self) { try store.insertPredictions(orphan) }
        #expect(try store.predictions(evaluationID: evaluationID).map(\.exampleIndex) == [0])
    }

    @Test func anUnfinishedEvaluationOfADeadProcessIsResumedWithItsStoredIndices() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let store = try TollgateStore(path: folder.path("tollgate.db"))
        let killed = try seedProvenance(store, processID: deadProcessID)
        let first = try store.findOrCreateEvaluation(runID: killed.run, modelID: killed.model, adapterID: nil,
                                                     datasetID: killed.dataset, decodingJSON: #"{"t":0}"#)
        try store.insertPredictions([0, 1, 4].map { samplePrediction(evaluationID: first.evaluationID, index: $0) })

        let rerun = try store.beginRun(sampleRun())
        let resumed = try store.findOrCreateEvaluation(runID: rerun, modelID: killed.model, adapterID: nil,
                                                       datasetID: killed.dataset, decodingJSON: #"{"t":0}"#)
        #expect(resumed == EvaluationStart(evaluationID: first.evaluationID, existingPredictionIndices: [0, 1, 4],
                                           resumed: true))
        #expect(try store.evaluation(id: first.evaluationID)?.runID == rerun)
        #expect(try store.run(id: killed.run)?.status == .failed)

        // The same process asking again gets the same evaluation; other settings get a new one.
        let again = try store.findOrCreateEvaluation(runID: rerun, modelID: killed.model, adapterID: nil,
                                                     datasetID: killed.dataset, decodingJSON: #"{"t":0}"#)
        #expect(again.evaluationID == first.evaluationID && !again.resumed)
        let other = try store.findOrCreateEvaluation(runID: rerun, modelID: killed.model, adapterID: nil,
                                                     datasetID: killed.dataset, decodingJSON: #"{"t":1}"#)
        #expect(other.evaluationID != first.evaluationID && other.existingPredictionIndices.isEmpty)
    }

    @Test func completedOrLiveEvaluationsAreNeverTakenOver() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let store = try TollgateStore(path: folder.path("tollgate.db"))
        let done = try seedProvenance(store, processID: deadProcessID)
        let completed = try store.findOrCreateEvaluation(runID: done.run, modelID: done.model, adapterID: nil,
                                                         datasetID: done.dataset, decodingJSON: "{}")
        try store.finishEvaluation(id: completed.evaluationID, status: .completed)

        // A run of another live process (our parent) still evaluating the same thing.
        let live = try store.beginRun(sampleRun(processID: getppid()))
        let liveEvaluation = try store.findOrCreateEvaluation(runID: live, modelID: done.model, adapterID: nil,
                                                              datasetID: done.dataset, decodingJSON: "{}")
        #expect(liveEvaluation.evaluationID != completed.evaluationID)

        let mine = try store.beginRun(sampleRun())
        let fresh = try store.findOrCreateEvaluation(runID: mine, modelID: done.model, adapterID: nil,
                                                     datasetID: done.dataset, decodingJSON: "{}")
        #expect(![completed.evaluationID, liveEvaluation.evaluationID].contains(fresh.evaluationID))
        #expect(!fresh.resumed && fresh.existingPredictionIndices.isEmpty)
    }
}
