import Foundation
import Testing
import Harness

@Suite struct MultipleChoiceResultTests {
    func scores(_ values: [Double]) -> [ContinuationScore] {
        values.map { ContinuationScore(logLikelihood: $0, isGreedy: false, tokens: 3) }
    }

    @Test func accIsTheArgmaxAndAccNormDividesByCharacters() throws {
        // ll −6 over "short" (5 chars) = −1.2 per char; −10 over "a much longer one" (17) ≈ −0.59.
        let item = MultipleChoiceItem(id: "q", context: "c", choices: ["short", "a much longer one"], label: 1)
        let result = try MultipleChoiceResult(item: item, scores: scores([-6, -10]))
        #expect(result.prediction == 0 && result.acc == 0)
        #expect(result.normalizedPrediction == 1 && result.accNorm == 1)
        #expect(result.choiceLengths == [5, 17])
    }

    @Test func charactersAreUnicodeScalarsAsPythonCountsThem() throws {
        let item = MultipleChoiceItem(id: "q", context: "c", choices: ["café", "cafe!"], label: 0)
        #expect(try MultipleChoiceResult(item: item, scores: scores([-4, -4.9])).choiceLengths == [4, 5])
    }

    @Test func tiesGoToTheFirstChoice() throws {
        let item = MultipleChoiceItem(id: "q", context: "c", choices: ["ab", "cd", "ef"], label: 1)
        #expect(try MultipleChoiceResult(item: item, scores: scores([-2, -1, -1])).prediction == 1)
    }

    @Test func identicalLogLikelihoodsAreAnErrorNotChance() {
        let item = MultipleChoiceItem(id: "piqa-7", context: "c", choices: ["a", "b"], label: 1)
        #expect(throws: LogLikelihoodError.identicalLogLikelihoods(example: "piqa-7", value: 0)) {
            try MultipleChoiceResult(item: item, scores: scores([0, 0]))
        }
    }
}
