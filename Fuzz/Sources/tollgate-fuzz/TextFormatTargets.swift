import Corpus
import Endpoints
import Foundation
import Harness
import Tokenizer

/// Text formats: datasets, experiment files, chat templates and what endpoints send back.
let textFormatTargets: [FuzzTarget] = [
    FuzzTarget(name: "jsonl", summary: "ExampleParser.parse of a dataset for training and for evaluation") { data in
        _ = try? ExampleParser.parse(data, path: "fuzz.jsonl", purpose: .training)
        _ = try? ExampleParser.parse(data, path: "fuzz.jsonl", purpose: .evaluation)
    },
    FuzzTarget(name: "experiment", summary: "ExperimentFile.load of an experiment YAML (and its gate-policy reading)") { data in
        let url = ScratchFile.write(data, named: "experiment.yaml")
        _ = try? ExperimentFile.load(path: url.path)
        _ = try? ExperimentFile.parseGatePolicy(yaml: text(data), file: url.path)
    },
    FuzzTarget(name: "sse", summary: "ServerSentEventParser fed in chunks (first byte sets the chunk size) into ChatStreamAccumulator; chunking never changes the events") { data in
        guard let first = data.first else { return }
        let body = [UInt8](data.dropFirst())
        let chunk = Int(first % 17) + 1
        var whole = ServerSentEventParser()
        let expected = whole.feed(body) + whole.finish()
        var parser = ServerSentEventParser()
        var events: [String] = []
        var start = 0
        while start < body.count {
            events += parser.feed(body[start ..< min(start + chunk, body.count)])
            start += chunk
        }
        events += parser.finish()
        if events != expected {
            PropertyViolation.fail("sse", "chunks of \(chunk) bytes gave \(events.count) events, one read gave \(expected.count)")
        }
        var accumulator = ChatStreamAccumulator()
        for event in events { _ = accumulator.read(eventData: event) }
    },
    FuzzTarget(name: "chat-json", summary: "ChatCompletionJSON of a non-streamed response body") { data in
        _ = ChatCompletionJSON([UInt8](data))
    },
    FuzzTarget(name: "template", summary: "a chat template (Jinja) compiled and rendered on a two-turn conversation under the sandbox limits") { data in
        guard let template = try? ChatTemplate(jinja: text(data), name: "fuzz") else { return }
        let messages = [Tokenizer.ChatMessage(role: "system", content: "Be brief."), Tokenizer.ChatMessage(role: "user", content: "Hi <b>|there|</b>")]
        // The sandbox allows 0.5 s of wall time; InputCPULimit turns an input over 1 s of CPU into a finding.
        _ = try? template.render(messages, addGenerationPrompt: true, defaultSystem: nil)
    },
]
