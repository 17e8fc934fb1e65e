import Foundation
import TestSupport
import Testing

/// `tollgate bench` end to end on the tiny fixture: the lines of the asked precision, with their
/// fractions of a peak measured in the same run. (Speeds themselves are never asserted.)
@Test func benchMeasuresTheInt8LinesAndTheSharedPrefixEval() throws {
    let result = try TollgateBinary.run(["bench", "--model", Fixtures.url("tiny-llama.gguf").path, "--json",
                                         "--precision", "int8", "--training-steps", "1"])
    #expect(result.status == 0, "\(result.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect((json["int8GOPS"] as? Double ?? 0) > 0)
    let int8 = try #require(json["int8Inference"] as? [String: Any])
    #expect(int8["precision"] as? String == "int8")
    #expect((int8["prefillFractionOfPrecisionPeak"] as? Double ?? 0) > 0)
    #expect((int8["decodeBatch1TokensPerSecond"] as? Double ?? 0) > 0)
    #expect(json["bf16Inference"] == nil, "bf16 was not asked for")
    let shared = try #require(json["evalSharedPrefix"] as? [String: Any])
    #expect(shared["sharedTokens"] as? Int == 96)
    #expect((shared["promptsPerSecond"] as? Double ?? 0) > 0 && (shared["unsharedPromptsPerSecond"] as? Double ?? 0) > 0)
    let training = try #require(json["training"] as? [String: Any])
    #expect(training["tokensPerSecond"] == nil, "the f32 training line was not asked for")
    let int8Training = try #require(training["int8"] as? [String: Any])
    #expect(int8Training["precision"] as? String == "int8")
    #expect((int8Training["fractionOfPrecisionPeak"] as? Double ?? 0) > 0)
}

@Test func benchRejectsAnUnknownPrecision() throws {
    let result = try TollgateBinary.run(["bench", "--model", Fixtures.url("tiny-llama.gguf").path, "--precision", "fp8"])
    #expect(result.status == 64)
    #expect(result.stderr.contains("--precision must be f32, bf16, int8 or auto, not 'fp8'."))
}
