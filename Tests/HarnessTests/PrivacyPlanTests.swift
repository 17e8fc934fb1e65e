import Corpus
import Foundation
import Harness
import Privacy
import Testing
import Tokenizer

/// `privacy:` in experiment files, redaction in the evaluation's identity, and redaction of examples.
struct PrivacyPlanTests {
    let file = "Experiments/x.yaml"
    let base = "name: n\nmodel: m.gguf\neval_sets:\n  - dataset: d/h.jsonl\n"

    func message(_ yaml: String) -> String {
        do {
            _ = try ExperimentFile.parse(yaml: yaml, file: file)
            return "parsed"
        } catch {
            return (error as? LocalizedError)?.errorDescription ?? "\(error)"
        }
    }

    @Test func privacyBlockParsesKindsSortedAndRetention() throws {
        let experiment = try ExperimentFile.parse(yaml: base + "privacy:\n  redact: [phone, card, email]\n  retain_text_days: 30\n", file: file)
        #expect(experiment.privacy == PrivacyPlan(redact: [.card, .email, .phone], retainTextDays: 30))
        let all = try ExperimentFile.parse(yaml: base + "privacy: {redact: [all]}\n", file: file)
        #expect(all.privacy?.redact == RedactionKind.allCases.sorted())
        #expect(try ExperimentFile.parse(yaml: base, file: file).privacy == nil)
    }

    @Test(arguments: [
        ("privacy:\n  redcat: [email]\n", "unknown key 'redcat' in privacy at Experiments/x.yaml:6; did you mean 'redact'?"),
        ("privacy: {redact: [emial]}\n", "'privacy.redact[0]' at Experiments/x.yaml:5 is 'emial'; use one of email, phone, card, iban, ip, url_credentials, all (did you mean 'email'?)"),
        ("privacy: {redact: []}\n", "'privacy.redact' at Experiments/x.yaml:5 is an empty list; name kinds to redact (email, phone, card, iban, ip, url_credentials, all) or remove the key"),
        ("privacy: {retain_text_days: 0}\n", "'privacy.retain_text_days' at Experiments/x.yaml:5 is 0; keep text at least 1 day, or prune at once with tollgate prune --older-than 0d"),
        ("privacy: {retain_text_days: 30d}\n", "'privacy.retain_text_days' at Experiments/x.yaml:5 must be an integer, not the string '30d'"),
        ("privacy: {redact: [card, card]}\n", "'privacy.redact[1]' at Experiments/x.yaml:5 repeats 'card'; list each once"),
    ])
    func badPrivacyBlocksNameTheFileLineKeyAndFix(_ block: String, _ expected: String) {
        #expect(message(base + block) == expected)
    }

    /// Unredacted settings encode exactly as before the setting existed, so cache keys and
    /// evaluation identities of unredacted runs do not change.
    @Test func redactionIsInTheIdentityOnlyWhenChosen() throws {
        #expect(DecodingSettings().canonicalJSON == #"{"max_tokens":64,"seed":0,"temperature":0,"template":"auto","top_p":1}"#)
        let redacted = DecodingSettings(redact: [.email, .card, .email])
        #expect(redacted.canonicalJSON == #"{"max_tokens":64,"redact":["card","email"],"seed":0,"temperature":0,"template":"auto","top_p":1}"#)
        let decoded = try JSONDecoder().decode(DecodingSettings.self, from: Data(redacted.canonicalJSON.utf8))
        #expect(decoded == redacted)
        let old = try JSONDecoder().decode(DecodingSettings.self, from: Data(DecodingSettings().canonicalJSON.utf8))
        #expect(old.redact.isEmpty)
    }

    @Test func retentionPeriodsAreWholeDays() {
        #expect(Retention.days("30d") == 30 && Retention.days("0d") == 0 && Retention.days("7") == 7)
        #expect(Retention.days("30 days") == nil && Retention.days("-1d") == nil && Retention.days("1.5d") == nil)
    }

    @Test func examplesAreRedactedInEveryTextWithSharedNumbers() {
        let redactor = Redactor(kinds: [.card, .email])
        let pair = Example(id: "a", body: .promptCompletion(prompt: "Refund 4111 1111 1111 1111 for ann@example.com",
                                                            completion: "refund 4111111111111111"),
                           references: ["refund 4111111111111111", "ok ann@example.com"], line: 3)
        let redactedPair = redactor.redact(pair)
        #expect(redactedPair.body == .promptCompletion(prompt: "Refund <CARD_1> for <EMAIL_1>", completion: "refund <CARD_1>"))
        #expect(redactedPair.references == ["refund <CARD_1>", "ok <EMAIL_1>"])
        #expect(redactedPair.id == "a" && redactedPair.line == 3)

        let chat = Example(body: .messages([ChatMessage(role: "system", content: "Agent bo@example.com"),
                                            ChatMessage(role: "user", content: "Card 5555555555554444, mail ann@example.com"),
                                            ChatMessage(role: "assistant", content: "Done for ann@example.com")]),
                           references: ["Done for ann@example.com"], line: 1)
        guard case .messages(let messages) = redactor.redact(chat).body else { Issue.record("not messages"); return }
        #expect(messages.map(\.content) == ["Agent <EMAIL_1>", "Card <CARD_1>, mail <EMAIL_2>", "Done for <EMAIL_2>"])
        #expect(messages.map(\.role) == ["system", "user", "assistant"])
        #expect(redactor.redact(chat).references == ["Done for <EMAIL_2>"])
    }
}
