import Foundation
import TestSupport
import Testing
import Training

@Test func paddedBatchTargetsOnlyCompletionTokens() {
    let batch = PaddedBatch([TokenSequence(tokens: [5, 6, 7, 8], lossStart: 2), TokenSequence(tokens: [9, 10], lossStart: 1)])
    #expect(batch.time == 4)
    #expect(batch.tokens == [5, 6, 7, 8, 9, 10, 0, 0])
    // position t predicts t+1 when t+1 ≥ lossStart
    #expect(batch.targets == [-1, 7, 8, -1, 10, -1, -1, -1])
    #expect(batch.lossTokens == 3)
}

@Test func lengthBucketsGroupSimilarLengths() {
    let sequences = [7, 2, 9, 3, 8, 1].map { TokenSequence(tokens: [Int32](repeating: 1, count: $0), lossStart: 0) }
    let batches = lengthBucketedBatches(sequences, batchSize: 2)
    #expect(batches.map { $0.map { sequences[$0].tokens.count } } == [[1, 2], [3, 7], [8, 9]])
}

@Test func trainingDataWithABadLineExitsWithCodeTwoNamingTheLine() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-bad-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let data = directory.appendingPathComponent("bad.jsonl")
    try "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": 3}\n".write(to: data, atomically: true, encoding: .utf8)
    let out = directory.appendingPathComponent("out")
    let result = try TollgateBinary.run(["train", "--model", Fixtures.url("tiny-llama.gguf").path, "--data", data.path,
                                         "--out", out.path, "--steps", "1"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("bad.jsonl:2"))
    #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("adapter_model.safetensors").path))
}

@Test func trainUsageErrorsExitWith64() throws {
    let result = try TollgateBinary.run(["train", "--model", "m.gguf", "--data", "d.jsonl", "--out", "o", "--optimizer", "lion"])
    #expect(result.status == 64)
}
