import Foundation
import Store
import Testing

@Suite struct StoreRecordTests {
    @Test func provenanceRecordsRoundTripAndUpsertByContentHash() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let store = try TollgateStore(path: folder.path("tollgate.db"))
        let model = ModelRecord(path: "models/a.gguf", sha256: "11", architecture: "llama", quantization: "Q4_1",
                                parameterCount: 134_515_008, createdAt: fixedDate)
        let modelID = try store.upsertModel(model)
        var moved = model
        moved.path = "elsewhere/a.gguf"
        #expect(try store.upsertModel(moved) == modelID)
        #expect(try store.model(id: modelID) == ModelRecord(id: modelID, path: "elsewhere/a.gguf", sha256: "11",
                                                            architecture: "llama", quantization: "Q4_1",
                                                            parameterCount: 134_515_008, createdAt: fixedDate))
        #expect(try store.upsertModel(ModelRecord(path: "b.gguf", sha256: "22", architecture: "llama",
                                                  quantization: "F16", parameterCount: 1)) != modelID)

        let adapter = AdapterRecord(path: "out/adapter", sha256: "33", format: "peft", rank: 8, alpha: 16,
                                    targets: ["q", "v"], createdAt: fixedDate)
        let adapterID = try store.upsertAdapter(adapter)
        #expect(try store.upsertAdapter(adapter) == adapterID)
        var storedAdapter = adapter
        storedAdapter.id = adapterID
        #expect(try store.adapter(id: adapterID) == storedAdapter)

        let dataset = DatasetRecord(name: "support", split: "holdout", path: "h.jsonl", sha256: "44", exampleCount: 200,
                                    createdAt: fixedDate)
        let datasetID = try store.upsertDataset(dataset)
        #expect(try store.upsertDataset(dataset) == datasetID)
        var edited = dataset
        edited.sha256 = "45"
        #expect(try store.upsertDataset(edited) != datasetID, "a changed file is a new dataset row")
        #expect(try store.dataset(id: datasetID)?.exampleCount == 200)
    }

    @Test func runsRoundTripAndFinishWithStatusAndEndTime() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let store = try TollgateStore(path: folder.path("tollgate.db"))
        let first = try store.beginRun(sampleRun())
        var later = sampleRun(kind: "train")
        later.startedAt = fixedDate.addingTimeInterval(60)
        let second = try store.beginRun(later)
        let end = fixedDate.addingTimeInterval(90)
        try store.finishRun(id: first, status: .succeeded, endedAt: end)

        var expected = sampleRun()
        expected.id = first
        expected.status = .succeeded
        expected.endedAt = end
        #expect(try store.run(id: first) == expected)
        #expect(try store.runs(limit: 10).map(\.id) == [second, first])
        #expect(try store.runs(limit: 1).map(\.id) == [second])
        #expect(throws: StoreError.self) { try store.finishRun(id: 999, status: .failed) }
    }

    @Test func predictionsMetricsAndEvaluationRoundTrip() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let store = try TollgateStore(path: folder.path("tollgate.db"))
        let ids = try seedProvenance(store)
        let start = try store.findOrCreateEvaluation(runID: ids.run, modelID: ids.model, adapterID: nil,
                                                     datasetID: ids.dataset, decodingJSON: #"{"max_tokens":32}"#)
        #expect(start.existingPredictionIndices.isEmpty && !start.resumed)
        let predictions = (0..<3).map { samplePrediction(evaluationID: start.evaluationID, index: $0) }
        try store.insertPredictions(predictions.reversed())
        let stored = try store.predictions(evaluationID: start.evaluationID)
        #expect(stored.map { var p = $0; p.id = nil; return p } == predictions)

        try store.recordMetrics([
            MetricResultRecord(evaluationID: start.evaluationID, metric: "em", value: 0.5, ciLow: 0.2, ciHigh: 0.8,
                               signature: "em|normalize:squad"),
            MetricResultRecord(evaluationID: start.evaluationID, metric: "bleu", value: 31.2, signature: "nrefs:2|tok:13a",
                               detailsJSON: #"{"bp":1}"#),
        ])
        try store.recordMetrics([MetricResultRecord(evaluationID: start.evaluationID, metric: "em", value: 0.6,
                                                    signature: "em|normalize:squad")])
        let metrics = try store.metrics(evaluationID: start.evaluationID)
        #expect(metrics.map(\.metric) == ["bleu", "em"])
        #expect(metrics.map(\.value) == [31.2, 0.6])
        #expect(metrics[0].detailsJSON == #"{"bp":1}"#)

        try store.finishEvaluation(id: start.evaluationID, status: .completed, endedAt: fixedDate)
        let evaluation = try #require(try store.evaluation(id: start.evaluationID))
        #expect(evaluation.status == .completed && evaluation.endedAt == fixedDate && evaluation.adapterID == nil)
        #expect(try store.evaluations(runID: ids.run).map(\.id) == [start.evaluationID])
    }

    @Test func worstPredictionsAreOrderedByTheMetricAscending() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let store = try TollgateStore(path: folder.path("tollgate.db"))
        let ids = try seedProvenance(store)
        let evaluationID = try store.findOrCreateEvaluation(runID: ids.run, modelID: ids.model, adapterID: nil,
                                                            datasetID: ids.dataset, decodingJSON: "{}").evaluationID
        let chrf = [70.0, 10.0, 55.0, 10.0, 90.0]
        try store.insertPredictions(chrf.enumerated().map { index, score in
            var prediction = samplePrediction(evaluationID: evaluationID, index: index)
            prediction.scores = ["chrf": score]
            return prediction
        })
        #expect(try store.worstPredictions(evaluationID: evaluationID, metric: "chrf", limit: 3).map(\.exampleIndex) == [1, 3, 2])
        #expect(try store.worstPredictions(evaluationID: evaluationID, metric: "bleu").isEmpty)
    }

    @Test func generationCacheReturnsStoredOutputsByKeyAndKeepsTheFirst() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let store = try TollgateStore(path: folder.path("tollgate.db"))
        let first = GenerationCacheRecord(key: "k1", output: "Hello", outputIDs: [19556, 2], promptTokens: 7,
                                          completionTokens: 2, seconds: 0.1, createdAt: fixedDate)
        let second = GenerationCacheRecord(key: "k2", output: "Bye", outputIDs: [3], promptTokens: 4,
                                           completionTokens: 1, seconds: 0.05, createdAt: fixedDate)
        try store.storeGenerations([first, second])
        var duplicate = first
        duplicate.output = "Different"
        try store.storeGenerations([duplicate])

        var expected = first
        expected.id = try store.cachedGeneration(key: "k1")?.id
        #expect(try store.cachedGeneration(key: "k1") == expected)
        #expect(try store.cachedGeneration(key: "absent") == nil)
        let batch = try store.cachedGenerations(keys: ["k2", "absent", "k1"] + (0..<1200).map { "x\($0)" })
        #expect(Set(batch.keys) == ["k1", "k2"])
        #expect(batch["k2"]?.outputIDs == [3])
    }

    @Test func trainingStepsCheckpointsAndGateDecisionsRoundTrip() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let store = try TollgateStore(path: folder.path("tollgate.db"))
        let runID = try store.beginRun(sampleRun(kind: "train"))
        try store.recordTrainingSteps((1...3).map {
            TrainingStepRecord(runID: runID, step: $0, loss: 3.0 / Double($0), learningRate: 1e-4, tokensPerSecond: 250)
        })
        // A resumed run writes step 3 again: the newer row replaces the older.
        try store.recordTrainingSteps([TrainingStepRecord(runID: runID, step: 3, loss: 0.9, learningRate: 1e-4,
                                                          tokensPerSecond: 260, validLoss: 1.1)])
        let steps = try store.trainingSteps(runID: runID)
        #expect(steps.map(\.step) == [1, 2, 3])
        #expect(steps.map(\.loss) == [3.0, 1.5, 0.9])
        #expect(steps.map(\.validLoss) == [nil, nil, 1.1])

        try store.recordCheckpoint(CheckpointRecord(runID: runID, step: 100, adapterPath: "out/step-100",
                                                    adapterSHA256: "ff", createdAt: fixedDate))
        #expect(try store.checkpoints(runID: runID).map(\.adapterPath) == ["out/step-100"])

        try store.recordGateDecision(GateDecisionRecord(runID: runID, decision: "no-go",
                                                        reasons: ["chrf fell 2.1 > 1.0 below the last go"],
                                                        createdAt: fixedDate))
        #expect(try store.gateDecision(runID: runID)?.reasons == ["chrf fell 2.1 > 1.0 below the last go"])
    }

    @Test func lastGoRunsListOnlyTheExperimentsGoRunsNewestFirst() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let store = try TollgateStore(path: folder.path("tollgate.db"))
        var ids: [Int64] = []
        for (offset, (experiment, decision)) in [("nightly", "go"), ("nightly", "no-go"), ("other", "go"),
                                                  ("nightly", "go"), ("nightly", nil)].enumerated() {
            var run = sampleRun(kind: "run", experiment: experiment)
            run.startedAt = fixedDate.addingTimeInterval(Double(offset) * 60)
            let id = try store.beginRun(run)
            ids.append(id)
            if let decision {
                try store.recordGateDecision(GateDecisionRecord(runID: id, decision: decision, reasons: []))
            }
        }
        #expect(try store.lastGoRuns(experiment: "nightly", limit: 5).map(\.id) == [ids[3], ids[0]])
        #expect(try store.lastGoRuns(experiment: "nightly", limit: 1).map(\.id) == [ids[3]])
    }
}

@Suite struct EvaluationOverviewTests {
    @Test func overviewsJoinModelAdapterDatasetAndCountPredictionsNewestFirst() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let store = try TollgateStore(path: folder.path("tollgate.db"))
        let ids = try seedProvenance(store)
        let adapterID = try store.upsertAdapter(AdapterRecord(path: "out/a", sha256: "ad", format: "peft", rank: 8,
                                                              alpha: 16, targets: ["q", "v"]))
        let base = try store.findOrCreateEvaluation(runID: ids.run, modelID: ids.model, adapterID: nil,
                                                    datasetID: ids.dataset, decodingJSON: "{}").evaluationID
        let tuned = try store.findOrCreateEvaluation(runID: ids.run, modelID: ids.model, adapterID: adapterID,
                                                     datasetID: ids.dataset, decodingJSON: "{}").evaluationID
        try store.insertPredictions((0..<3).map { samplePrediction(evaluationID: tuned, index: $0) })

        let overviews = try store.evaluationOverviews()
        #expect(overviews.map(\.evaluation.id) == [tuned, base])
        #expect(overviews.map(\.predictionCount) == [3, 0])
        #expect(overviews.map { $0.adapter?.path } == ["out/a", nil])
        #expect(overviews.allSatisfy { $0.model.sha256 == String(repeating: "a", count: 64) && $0.dataset.name == "support" })
        #expect(try store.evaluationOverviews(runID: ids.run + 1).isEmpty)
    }
}

@Suite struct CanonicalJSONTests {
    struct Decoding: Encodable {
        var temperature: Double
        var maxTokens: Int
        var template: String
        var stop: [String]
    }

    @Test func canonicalJSONSortsKeysAndKeepsSlashes() throws {
        let text = try CanonicalJSON.string(Decoding(temperature: 0, maxTokens: 64, template: "chatml/auto", stop: ["</s>"]))
        #expect(text == #"{"maxTokens":64,"stop":["</s>"],"temperature":0,"template":"chatml/auto"}"#)
        #expect(try CanonicalJSON.string(["b": 1, "a": 2, "c": 3]) == #"{"a":2,"b":1,"c":3}"#)
    }
}
