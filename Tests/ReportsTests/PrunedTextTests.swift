import Foundation
import Reports
import Testing

/// A report whose run's text was pruned keeps everything but the quoted examples, and says so.
struct PrunedTextTests {
    let day = Date(timeIntervalSince1970: 1_796_428_800)  // 2026-12-05 UTC

    @Test func prunedReportQuotesNoExampleTextAndRendersInEveryFormat() throws {
        let report = SampleReports.noGo
        let pruned = report.prunedText(on: day)
        #expect(ReportInput.prunedTextNote(day) == "(text pruned 2026-12-05)")
        #expect(pruned.regressedExamples.map(\.id) == report.regressedExamples.map(\.id))
        #expect(pruned.regressedExamples.allSatisfy {
            [$0.prompt, $0.reference, $0.baselineOutput, $0.candidateOutput].allSatisfy { $0 == "(text pruned 2026-12-05)" }
        })
        #expect(pruned.regressedExamples.map(\.candidateScore) == report.regressedExamples.map(\.candidateScore))
        #expect(pruned.decision == report.decision && pruned.evalSets == report.evalSets && pruned.drift == report.drift)
        for text in [MarkdownReport.render(pruned), try JSONReport.render(pruned), JUnitReport.render(pruned)] {
            #expect(!text.contains("What is the capital of Chad?") && !text.contains("in Africa"))
        }
        #expect(MarkdownReport.render(pruned).contains("(text pruned 2026-12-05)"))
        #expect(try JSONReport.decode(Data(try JSONReport.render(pruned).utf8)) == pruned)
    }
}
