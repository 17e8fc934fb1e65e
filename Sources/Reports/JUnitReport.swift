import Gate

/// JUnit XML as CI systems read it: <testsuites> / one <testsuite> per eval set (plus one for the
/// budgets) / one <testcase> per rule, failing ones carrying <failure message="reason">. A model-swap
/// run has a `selection` suite (the run's decision) and each candidate's suites, named
/// `<experiment>.<candidate>/<eval set>`; a candidate that fails its rules shows as failures there
/// even when another candidate makes the run GO.
public enum JUnitReport {
    public static func render(_ input: ReportInput) -> String {
        var groups = suites(input.decision, prefix: "")
        for candidate in input.variants?.candidates ?? [] {
            if let decision = candidate.decision { groups += suites(decision, prefix: candidate.name + "/") }
        }
        let outcomes = groups.flatMap(\.outcomes)
        let failures = outcomes.filter { !$0.passed }.count
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"\(attribute("tollgate " + input.experiment))\" tests=\"\(outcomes.count)\" failures=\"\(failures)\" errors=\"0\">\n"
        for group in groups {
            let suiteFailures = group.outcomes.filter { !$0.passed }.count
            let suiteName = "\(input.experiment).\(group.name)"
            xml += "  <testsuite name=\"\(attribute(suiteName))\" tests=\"\(group.outcomes.count)\" failures=\"\(suiteFailures)\" errors=\"0\" skipped=\"0\""
            if let createdAt = input.createdAt { xml += " timestamp=\"\(attribute(createdAt))\"" }
            xml += ">\n"
            xml += "    <properties>\n"
            xml += "      <property name=\"run_id\" value=\"\(attribute(input.runId))\"/>\n"
            xml += "      <property name=\"verdict\" value=\"\(group.verdict.rawValue)\"/>\n"
            xml += "    </properties>\n"
            for outcome in group.outcomes {
                let name = attribute(outcome.metric.map { "\($0) \(outcome.check.rawValue)" } ?? outcome.check.rawValue)
                xml += "    <testcase classname=\"\(attribute(suiteName))\" name=\"\(name)\" time=\"0\""
                if outcome.passed {
                    xml += "/>\n"
                } else {
                    xml += ">\n      <failure message=\"\(attribute(outcome.reason))\" type=\"\(outcome.check.rawValue)\">\(text(outcome.reason))</failure>\n    </testcase>\n"
                }
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    /// Outcomes grouped by eval set (budgets, configuration and selection each in a suite of their
    /// own), in first-seen order; each suite carries the verdict of the decision it belongs to.
    private static func suites(_ decision: GateDecision, prefix: String) -> [(name: String, outcomes: [RuleOutcome], verdict: Verdict)] {
        var groups: [(name: String, outcomes: [RuleOutcome], verdict: Verdict)] = []
        for outcome in decision.outcomes {
            let suite: String
            switch outcome.check {
            case .configuration, .selection: suite = outcome.evalSet ?? outcome.check.rawValue
            default: suite = outcome.evalSet ?? "budgets"
            }
            if let index = groups.firstIndex(where: { $0.name == prefix + suite }) {
                groups[index].outcomes.append(outcome)
            } else {
                groups.append((prefix + suite, [outcome], decision.verdict))
            }
        }
        return groups
    }

    /// Text content: '&', '<' and '>' (so "]]>" cannot appear) as entities, characters XML 1.0
    /// forbids dropped; quotes stay as written. Code point by code point, as an XML parser reads:
    /// a combining mark after '<' or '"' makes one Swift `Character` that equals neither.
    static func text(_ string: String) -> String { escaped(string, inAttribute: false) }

    /// Attribute values (always double-quoted here) also escape '"', and keep their newlines and
    /// tabs through attribute normalisation.
    static func attribute(_ string: String) -> String { escaped(string, inAttribute: true) }

    private static func escaped(_ string: String, inAttribute: Bool) -> String {
        var out = ""
        out.reserveCapacity(string.utf8.count)
        for scalar in string.unicodeScalars where isAllowedInXML(scalar) {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where inAttribute: out += "&quot;"
            case "\n" where inAttribute: out += "&#10;"
            case "\r" where inAttribute: out += "&#13;"
            case "\t" where inAttribute: out += "&#9;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
    private static func isAllowedInXML(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }
}
