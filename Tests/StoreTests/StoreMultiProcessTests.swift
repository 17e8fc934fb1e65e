import Foundation
import Store
import Testing

private let writerPathVariable = "TOLLGATE_STORE_TEST_WRITER_PATH"

/// Two separate processes (this test binary, started again to run only the writer below) write
/// one store at the same time; SQLite's locks and the busy timeout let both finish every batch.
@Suite struct StoreMultiProcessTests {
    static let batches = 30, batchSize = 10

    @Test func twoProcessesWritingOneStoreAtOnceBothSucceed() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let path = folder.path("tollgate.db")
        let binary = URL(fileURLWithPath: CommandLine.arguments[0])
        try #require(FileManager.default.isExecutableFile(atPath: binary.path))

        let logs = (0..<2).map { _ in Pipe() }
        let writers = try logs.map { log -> Process in
            let process = Process()
            process.executableURL = binary
            process.arguments = ["--testing-library", "swift-testing", "--filter", "writerProcessFillsTheStoreGivenByItsParent"]
            process.environment = ProcessInfo.processInfo.environment.merging([writerPathVariable: path]) { $1 }
            process.standardOutput = log
            process.standardError = log
            try process.run()
            return process
        }
        // Read each log to its end (so a chatty child never blocks on a full pipe), then reap it.
        let output = logs.map { String(decoding: $0.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
        for writer in writers { writer.waitUntilExit() }
        #expect(writers.map(\.terminationStatus) == [0, 0], "writer output: \(output.joined(separator: "\n---\n"))")

        let store = try TollgateStore(path: path)
        let runs = try store.runs(limit: 10)
        #expect(runs.count == 2 && runs.allSatisfy { $0.status == .succeeded })
        #expect(Set(runs.map(\.processID)) == Set(writers.map(\.processIdentifier)))
        for overview in try store.evaluationOverviews() {
            #expect(overview.predictionCount == Self.batches * Self.batchSize)
            #expect(overview.evaluation.status == .completed)
        }
        #expect(try store.evaluationOverviews().count == 2)
    }

    /// The child side of the test above; runs only when started by it.
    @Test(.enabled(if: ProcessInfo.processInfo.environment[writerPathVariable] != nil))
    func writerProcessFillsTheStoreGivenByItsParent() throws {
        let path = try #require(ProcessInfo.processInfo.environment[writerPathVariable])
        let store = try TollgateStore(path: path)
        let ids = try seedProvenance(store)
        let decoding = #"{"writer":\#(ProcessInfo.processInfo.processIdentifier)}"#
        let evaluation = try store.findOrCreateEvaluation(runID: ids.run, modelID: ids.model, adapterID: nil,
                                                          datasetID: ids.dataset, decodingJSON: decoding)
        for batch in 0..<Self.batches {
            try store.insertPredictions((0..<Self.batchSize).map {
                samplePrediction(evaluationID: evaluation.evaluationID, index: batch * Self.batchSize + $0)
            })
        }
        try store.finishEvaluation(id: evaluation.evaluationID, status: .completed)
        try store.finishRun(id: ids.run, status: .succeeded)
    }
}
