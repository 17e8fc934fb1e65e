import Corpus
import Foundation
import Testing
import Tokenizer

private func parse(_ jsonl: String, purpose: ExamplePurpose = .evaluation) throws -> [Example] {
    try ExampleParser.parse(Data(jsonl.utf8), path: "data/set.jsonl", purpose: purpose)
}

@Suite struct ExampleParserTests {
    @Test func promptCompletionParsesWithIDAndDefaultReference() throws {
        let examples = try parse(#"{"id": "a1", "prompt": "2+2?", "completion": "4", "extra": [1]}"#)
        #expect(examples == [Example(id: "a1", body: .promptCompletion(prompt: "2+2?", completion: "4"),
                                     references: ["4"], line: 1)])
        #expect(examples[0].promptMessages == [ChatMessage(role: "user", content: "2+2?")])
    }

    @Test func messagesParseAndTheFinalAssistantTurnIsTheReference() throws {
        let line = #"{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}], "id": 7}"#
        let example = try #require(try parse(line).first)
        #expect(example.id == "7")
        #expect(example.references == ["Hello!"])
        #expect(example.completion == "Hello!")
        #expect(example.promptMessages == [ChatMessage(role: "system", content: "Be brief."),
                                           ChatMessage(role: "user", content: "Hi")])
    }

    @Test func explicitReferencesReplaceTheDefaultAndMayStandInForTheCompletion() throws {
        let examples = try parse("""
            {"prompt": "Capital of France?", "completion": "Paris", "references": ["Paris", "paris, France"]}
            {"prompt": "Say hi", "references": ["hi", "hello"]}
            {"messages": [{"role": "user", "content": "Colour of the sky?"}], "references": ["blue"]}
            """)
        #expect(examples.map(\.references) == [["Paris", "paris, France"], ["hi", "hello"], ["blue"]])
        #expect(examples[1].completion == nil)
        #expect(examples[2].promptMessages == [ChatMessage(role: "user", content: "Colour of the sky?")])
    }

    @Test func textParsesForTrainingOnly() throws {
        let examples = try parse(#"{"text": "Once upon a time"}"#, purpose: .training)
        #expect(examples[0].body == .text("Once upon a time") && examples[0].references.isEmpty)
        #expect(throws: CorpusError.badLine(path: "data/set.jsonl", line: 1,
                                            reason: "a \"text\" example has no prompt to evaluate",
                                            fix: "use {\"prompt\", \"completion\"} or {\"messages\": [...]} in evaluation sets")) {
            try parse(#"{"text": "Once upon a time"}"#, purpose: .evaluation)
        }
    }

    @Test func blankLinesAreSkippedCRLFIsToleratedAndLinesKeepTheirNumbers() throws {
        let jsonl = "\u{FEFF}{\"prompt\": \"a\", \"completion\": \"b\"}\r\n\r\n   \n{\"prompt\": \"c\", \"completion\": \"d\\r\"}\r\n"
        let examples = try parse(jsonl)
        #expect(examples.map(\.line) == [1, 4])
        #expect(examples[1].completion == "d\r", "a \\r escaped inside a string is content, not a line end")
    }

    /// Each bad line gives exactly this "file:line: reason; fix" message.
    @Test(arguments: [
        ("{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \"a\"", 2,
         "the line is not valid JSON; write one complete JSON object per line"),
        ("[\"prompt\", \"completion\"]", 1,
         "the line is an array, not a JSON object; write one object per line, e.g. {\"prompt\": \"…\", \"completion\": \"…\"}"),
        ("{\"question\": \"a\", \"answer\": \"b\"}", 1,
         "the object has none of the fields \"prompt\", \"messages\" or \"text\"; use {\"prompt\", \"completion\"}, {\"messages\": [...]} or {\"text\"}"),
        ("{\"prompt\": \"a\"}", 1,
         "the field \"completion\" is missing; add \"completion\" or \"references\": [...] with the gold answers"),
        ("{\"prompt\": 12, \"completion\": \"b\"}", 1,
         "the field \"prompt\" is a number, not a string; write \"prompt\" as a JSON string"),
        ("{\"prompt\": \"a\", \"completion\": null}", 1,
         "the field \"completion\" is null, not a string; write \"completion\" as a JSON string"),
        ("{\"messages\": []}", 1,
         "the field \"messages\" is empty; give at least a user turn and an assistant turn"),
        ("{\"messages\": {\"role\": \"user\"}}", 1,
         "the field \"messages\" is an object, not an array; write \"messages\": [{\"role\": \"user\", \"content\": \"…\"}, …]"),
        ("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", 1,
         "the last message is from \"user\", not the assistant; end with the gold assistant turn, or add \"references\": [...]"),
        ("{\"messages\": [{\"role\": \"human\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"yo\"}]}", 1,
         "messages[0] has the unknown role \"human\"; use one of \"system\", \"user\" or \"assistant\""),
        ("{\"messages\": [{\"role\": \"user\"}, {\"role\": \"assistant\", \"content\": \"yo\"}]}", 1,
         "the field \"messages[0].content\" is missing; add \"messages[0].content\" as a JSON string"),
        ("{\"messages\": [\"hi\"]}", 1,
         "messages[0] is a string, not an object; write each message as {\"role\": \"…\", \"content\": \"…\"}"),
        ("{\"prompt\": \"a\", \"completion\": \"b\", \"references\": []}", 1,
         "the field \"references\" is an empty array; write \"references\" as a non-empty array of strings"),
        ("{\"prompt\": \"a\", \"completion\": \"b\", \"references\": [\"x\", 3]}", 1,
         "references[1] is a number, not a string; write every reference as a JSON string"),
        ("{\"prompt\": \"a\", \"completion\": \"b\", \"id\": true}", 1,
         "the field \"id\" is a boolean, not a string or an integer; write \"id\" as a JSON string"),
        ("{\"prompt\": \"a\", \"text\": \"b\"}", 1,
         "the object mixes the fields \"prompt\" and \"text\"; use exactly one format per line"),
    ])
    func badLineNamesFileLineReasonAndFix(jsonl: String, line: Int, message: String) throws {
        #expect {
            try parse(jsonl)
        } throws: { error in
            (error as? CorpusError)?.errorDescription == "data/set.jsonl:\(line): \(message)"
        }
    }

    @Test func trainingNeedsSomethingToLearn() throws {
        #expect {
            try parse(#"{"prompt": "a", "references": ["b"]}"#, purpose: .training)
        } throws: { error in
            (error as? CorpusError)?.errorDescription
                == "data/set.jsonl:1: the field \"completion\" is missing; add the text to learn as \"completion\""
        }
        #expect {
            try parse(#"{"messages": [{"role": "user", "content": "hi"}], "references": ["b"]}"#, purpose: .training)
        } throws: { error in
            (error as? CorpusError)?.errorDescription == "data/set.jsonl:1: the last message is from \"user\", not the assistant; end the conversation with the assistant turn to learn"
        }
    }

    @Test func invalidUTF8IsReportedOnItsLine() throws {
        var data = Data(#"{"prompt": "a", "completion": "b"}"#.utf8)
        data.append(contentsOf: [0x0A] + Array(#"{"prompt": "caf"#.utf8) + [0xC3, 0x28] + Array(#"", "completion": "b"}"#.utf8))
        #expect(throws: CorpusError.badLine(path: "x.jsonl", line: 2, reason: "the line is not valid UTF-8",
                                            fix: "save the file as UTF-8")) {
            try ExampleParser.parse(data, path: "x.jsonl", purpose: .evaluation)
        }
    }

    @Test func repeatedIDsAndEmptyFilesAreRejected() throws {
        let jsonl = "{\"id\": \"q1\", \"prompt\": \"a\", \"completion\": \"b\"}\n{\"id\": \"q1\", \"prompt\": \"c\", \"completion\": \"d\"}"
        #expect(throws: CorpusError.duplicateID(path: "data/set.jsonl", line: 2, id: "q1", firstLine: 1)) { try parse(jsonl) }
        #expect(throws: CorpusError.noExamples(path: "data/set.jsonl")) { try parse("\n  \n") }
    }

    @Test func loadReadsAFileAndNamesAMissingOne() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("corpus-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("{\"prompt\": \"a\", \"completion\": \"b\"}\n".utf8).write(to: url)
        #expect(try ExampleParser.load(path: url.path, purpose: .training).count == 1)
        #expect(throws: CorpusError.cannotRead(path: "/no/such/set.jsonl", reason: "no such file")) {
            try ExampleParser.load(path: "/no/such/set.jsonl", purpose: .evaluation)
        }
    }
}

@Suite struct DatasetFileTests {
    @Test func datasetFileCarriesTheDigestOfItsBytesAndANameAndSplit() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("corpus-\(UUID().uuidString)/support")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let bytes = Data("{\"prompt\": \"a\", \"completion\": \"b\"}\n\n{\"prompt\": \"c\", \"completion\": \"d\"}\n".utf8)
        let url = folder.appendingPathComponent("holdout.jsonl")
        try bytes.write(to: url)
        let dataset = try DatasetFile.load(path: url.path, purpose: .evaluation)
        #expect(dataset.examples.map(\.line) == [1, 3])
        #expect(dataset.sha256 == SHA256.hex(bytes))
        #expect(dataset.name == "support" && dataset.split == "holdout")
    }
}
