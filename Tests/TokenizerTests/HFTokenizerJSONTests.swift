import Foundation
import ModelIO
import Testing
import TestSupport
import Tokenizer

/// `tokenizer.json` of each tiny family folder, read through the folder model, against HF
/// `tokenizers` on 2,000 strings each (Tests/Interop/make_hf_tokenizer_fixtures.py): special
/// tokens, whitespace runs, Unicode, bytes no token holds.
/// A case file. The texts travel as base64 of their UTF-8: Foundation's JSON parsers on Linux
/// replace scalars such as U+0341 by their canonical equivalents, which would test another string.
struct HFTokenizerCases: Decodable {
    let textsUTF8Base64: [String]
    let ids: [[Int]]

    enum CodingKeys: String, CodingKey {
        case textsUTF8Base64 = "texts_utf8_base64", ids
    }

    var texts: [String] { textsUTF8Base64.map { String(decoding: Data(base64Encoded: $0) ?? Data(), as: UTF8.self) } }

    static func load(_ name: String) throws -> HFTokenizerCases {
        try JSONDecoder().decode(HFTokenizerCases.self, from: Fixtures.data("hf-tokenizer-cases/\(name).json"))
    }
}

struct HFTokenizerJSONTests {
    static let families = ["llama3", "gemma3", "qwen2", "qwen3", "phi3", "smollm3"]

    @Test(arguments: families)
    func encodingsEqualHFTokenizers(family: String) throws {
        let tokenizer = try TextTokenizer(gguf: GGUFFile(url: Fixtures.url("families/\(family)/hf")))
        let cases = try HFTokenizerCases.load(family)
        let texts = cases.texts, expected = cases.ids
        #expect(texts.count >= 2000)
        var mismatches: [String] = []
        for (text, ids) in zip(texts, expected) where tokenizer.encode(text) != ids {
            mismatches.append("\(text.debugDescription): \(tokenizer.encode(text)) vs \(ids)")
        }
        #expect(mismatches.isEmpty, "\(family): \(mismatches.count) of \(texts.count) differ, first: \(mismatches.prefix(3))")
    }
}

/// SmolLM2-135M-Instruct's folder as transformers writes it from the default GGUF (`make hf-smollm2`,
/// under .build; 540 MB, not committed) against HF tokenizers on 2,000 strings.
struct SmolLM2FolderTokenizerTests {
    static var folder: URL? {
        let url = Fixtures.directory.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/hf/SmolLM2-135M-Instruct")
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("tokenizer.json").path) ? url : nil
    }

    @Test(.enabled(if: folder != nil, "needs the SmolLM2 folder (make hf-smollm2)"))
    func encodingsEqualHFTokenizers() throws {
        let tokenizer = try TextTokenizer(gguf: GGUFFile(url: try #require(Self.folder)))
        let cases = try HFTokenizerCases.load("smollm2")
        let texts = cases.texts, expected = cases.ids
        let mismatches = zip(texts, expected).filter { tokenizer.encode($0.0) != $0.1 }
            .map { "\($0.0.debugDescription): \(tokenizer.encode($0.0)) vs \($0.1)" }
        #expect(texts.count >= 2000)
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(texts.count) differ, first: \(mismatches.prefix(3))")
    }
}
