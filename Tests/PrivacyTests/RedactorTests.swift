import Privacy
import Testing

/// What each detector replaces, and what it must leave alone, as tables of exact outputs.
struct RedactorTests {
    let all = Redactor(kinds: RedactionKind.allCases)

    func redacted(_ text: String) -> String { all.redact([text])[0] }

    @Test(arguments: [
        ("Write to ann.smith+orders@example.co.uk.", "Write to <EMAIL_1>."),
        ("ANN@Example.NET and ann@example.net", "<EMAIL_1> and <EMAIL_1>"),
        ("Phone (415) 555-0132 or 415.555.0199", "Phone <PHONE_1> or <PHONE_2>"),
        ("UK +44 20 7946 0958, DE +49 (0)30 1234567, FR 01 23 45 67 89", "UK <PHONE_1>, DE <PHONE_2>, FR <PHONE_3>"),
        ("JP 03-1234-5678, AU 0412 345 678, IN +91 98765 43210", "JP <PHONE_1>, AU <PHONE_2>, IN <PHONE_3>"),
        ("call me on 4155550132", "call me on <PHONE_1>"),
        ("card 4111 1111 1111 1111, again 4111-1111-1111-1111", "card <CARD_1>, again <CARD_1>"),
        ("amex 3782 822463 10005.", "amex <CARD_1>."),
        ("card:5555555555554444;", "card:<CARD_1>;"),
        ("IBAN GB82 WEST 1234 5698 7654 32 thanks", "IBAN <IBAN_1> thanks"),
        ("from 203.0.113.7:8080 and 2001:db8::8a2e:370:7334.", "from <IP_1>:8080 and <IP_2>."),
        ("ip:10.0.0.1 mapped ::ffff:192.0.2.128", "ip:<IP_1> mapped <IP_2>"),
        ("clone https://ann:s3cret@git.example.com/x.git", "clone https://<URL_CREDENTIALS_1>@git.example.com/x.git"),
        ("get https://api.example.com/e?id=4&token=abc123XYZ&f=csv.", "get https://api.example.com/e?id=4&token=<URL_CREDENTIALS_1>&f=csv."),
    ])
    func replacesEachKindWithNumberedPlaceholders(_ input: String, _ expected: String) {
        #expect(redacted(input) == expected)
    }

    @Test(arguments: [
        "Order #48213, ORD-2024-58812, order 7781243, order number 1002345678, PO 4500012345, INV/2024/00917",
        "Total $1,299.00, €49.99, 1 299,00 €, 1.299,00 EUR, USD 12,500, 999.99 USD",
        "Dates 2024-03-15, 15.03.2024, 03/15/2024, 2024.03.15, 2024-03-15 10:30, 15 03 2024",
        "Versions v2.14.3, version 3.2.1, 1.0.0-rc.1, 10.0.19045.3693, build 2024.03.15, v1.2.3.4",
        "Luhn-invalid 4111 1111 1111 1112 and 4111111111111112; IBAN with a typo GB82 WEST 1234 5698 7654 33",
        "Time 10:30:45, MAC 00:1A:2B:3C:4D:5E, 12.5%, 12 500 units, SKU 123-45-6789, ZIP 94103, 1Z999AA10123456784",
    ])
    func leavesLookAlikesAlone(_ input: String) {
        #expect(redacted(input) == input)
    }

    @Test func numbersAreSharedAcrossTheTextsOfOneExampleAndRestartForTheNext() {
        let redactor = Redactor(kinds: [.card, .email])
        let first = redactor.redact(["Refund 4111111111111111 for bo@example.com", "bo@example.com: 5555 5555 5555 4444 then 4111 1111 1111 1111"])
        #expect(first == ["Refund <CARD_1> for <EMAIL_1>", "<EMAIL_1>: <CARD_2> then <CARD_1>"])
        #expect(redactor.redact(["5555555555554444"]) == ["<CARD_1>"])
    }

    @Test func onlyTheChosenKindsAreReplacedButOthersStillClaimTheirSpans() {
        // The IBAN's digits include a Luhn-valid run starting with 3; asking for cards alone must not cut it.
        let iban = "DE89 3704 0044 0532 0130 00"
        #expect(Redactor(kinds: [.card]).redact(["pay to \(iban)"]) == ["pay to \(iban)"])
        #expect(Redactor(kinds: [.email]).redact(["ann@example.com 4111111111111111"]) == ["<EMAIL_1> 4111111111111111"])
        #expect(Redactor(kinds: []).redact(["ann@example.com"]) == ["ann@example.com"])
    }

    @Test func redactingTwiceChangesNothingMore() {
        let text = "Refund 4111 1111 1111 1111 to ann@example.com from 203.0.113.9, call +44 20 7946 0958"
        let once = redacted(text)
        #expect(once == "Refund <CARD_1> to <EMAIL_1> from <IP_1>, call <PHONE_1>")
        #expect(redacted(once) == once)
    }

    @Test func textWithoutFindingsComesBackByteForByte() {
        let text = "Ça coûte 12,50 € — voilà.\n\tNo personal data here: v1.2, 2024-01-02."
        #expect(redacted(text) == text)
    }

    /// The documented misses stay misses: if one starts being caught, the README must change too.
    @Test(arguments: [
        "local 555-0132", "Spain 912 345 678", "India 98765 43210", "1-800-FLOWERS", "quoted \"john doe\"@example.com",
        "josé@exemple.fr", "loopback ::1", "webhook https://hooks.example.com/services/T0/B0/XYZsecret",
        "typo card 4111 1111 1111 1112",
    ])
    func documentedMissesAreNotRedacted(_ input: String) {
        #expect(all.findings(in: input).isEmpty, "\(input) → \(redacted(input))")
    }

    @Test func kindListsParseSortedWithoutRepeatsAndNameTheFix() throws {
        #expect(try RedactionKind.parseList("email, card,email") == [.card, .email])
        #expect(try RedactionKind.parseList("all") == RedactionKind.allCases.sorted())
        #expect(throws: UnknownRedactionKind(name: "emails")) { try RedactionKind.parseList("emails") }
        #expect(UnknownRedactionKind(name: "x").description.contains("url_credentials"))
    }
}
