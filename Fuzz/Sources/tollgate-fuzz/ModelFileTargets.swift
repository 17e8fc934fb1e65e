import Foundation
import Llama
import ModelIO
import Tokenizer
import Training

/// Decoding stops after this many values per input, so one input stays well under a second.
private let dequantizedValueBudget = 1 << 20

/// Model and adapter files: the readers `inspect`, `eval`, `train` and `merge` open.
let modelFileTargets: [FuzzTarget] = [
    FuzzTarget(name: "gguf", summary: "GGUFFile, then what inspect reads (summary, family, tokenizer) and every tensor's decoding") { data in
        guard let file = try? GGUFFile(url: ScratchFile.write(data, named: "model.gguf")) else { return }
        _ = ModelSummary(gguf: file).table
        _ = try? LlamaConfig(gguf: file)
        if let vocabulary = try? TokenizerVocabulary(gguf: file) { _ = try? TextTokenizer(vocabulary: vocabulary) }
        var budget = dequantizedValueBudget
        for tensor in file.tensors where tensor.elementCount <= budget {
            budget -= tensor.elementCount
            _ = try? file.dequantize(tensor)
        }
    },
    FuzzTarget(name: "quant-blocks", summary: "Dequantization of raw blocks of every ggml type (first byte picks the type)") { data in
        guard let first = data.first else { return }
        let types = GGMLType.allCases
        let type = types[Int(first) % types.count]
        let blocks = data.dropFirst()
        let count = min(blocks.count / type.bytesPerBlock, 4096) * type.blockSize
        blocks.withUnsafeBytes { source in
            guard let values = try? Dequantization.dequantize(type, source: source, count: count) else { return }
            if values.count != count { PropertyViolation.fail("quant-blocks", "\(type.name) gave \(values.count) values for \(count)") }
        }
    },
    FuzzTarget(name: "safetensors", summary: "SafeTensors.read (header JSON, offsets, shapes), then every tensor's floats") { data in
        guard let file = try? SafeTensors.read(url: ScratchFile.write(data, named: "model.safetensors")) else { return }
        for name in file.names { _ = try? file.floats(name) }
    },
    FuzzTarget(name: "adapter", summary: "a PEFT adapter folder (u16 config length, adapter_config.json, adapter_model.safetensors) or a llama.cpp LoRA .gguf (odd first byte)",
               prepare: { _ = AdapterShapeFixture.shape }) { data in
        guard data.count >= 3 else { return }
        let bytes = [UInt8](data)
        if bytes[0] & 1 == 1 {
            let url = ScratchFile.write(Data(bytes.dropFirst()), named: "adapter.gguf")
            _ = try? AdapterLoader.loadParameters(path: url.path, shape: AdapterShapeFixture.shape)
            return
        }
        let configLength = min(Int(bytes[1]) | Int(bytes[2]) << 8, bytes.count - 3)
        let folder = ScratchFile.emptyFolder("adapter")
        for (name, contents) in [(PEFTAdapter.configName, bytes[3 ..< 3 + configLength]),
                                 (PEFTAdapter.weightsName, bytes[(3 + configLength)...])] {
            let path = folder.appendingPathComponent(name).path
            precondition(FileManager.default.createFile(atPath: path, contents: Data(contents)), "cannot write the scratch file \(path)")
        }
        _ = try? AdapterLoader.loadParameters(path: folder.path, shape: AdapterShapeFixture.shape)
    },
    FuzzTarget(name: "tokenizer", summary: "encode then decode of arbitrary text with the test vocabularies (first byte picks one); decode(encode(s)) == s",
               prepare: { _ = TokenizerFixtures.all }) { data in
        guard let first = data.first, !TokenizerFixtures.all.isEmpty else { return }
        let (name, tokenizer) = TokenizerFixtures.all[Int(first) % TokenizerFixtures.all.count]
        let input = text(data.dropFirst())
        let ids = tokenizer.encode(input, parseSpecial: false, addBOS: false)
        if let bad = ids.first(where: { $0 < 0 || $0 >= tokenizer.vocabularySize }) {
            PropertyViolation.fail("tokenizer", "\(name) produced id \(bad) outside its \(tokenizer.vocabularySize) tokens")
        }
        _ = tokenizer.encode(input, parseSpecial: true)
        let decoded = tokenizer.decode(ids)
        if TokenizerFixtures.roundTrips(name, input), decoded != input {
            PropertyViolation.fail("tokenizer", "\(name): decode(encode(\(input.debugDescription))) = \(decoded.debugDescription)")
        }
    },
]

/// The dimensions of Tests/Fixtures/tiny-llama.gguf, which the PEFT seed adapter was trained for.
enum AdapterShapeFixture {
    static let shape: LlamaConfig = {
        guard let file = try? GGUFFile(url: URL(fileURLWithPath: "Tests/Fixtures/tiny-llama.gguf")),
              let shape = try? LlamaConfig(gguf: file) else {
            FileHandle.standardError.write(Data("tollgate-fuzz: run from the repository root (Tests/Fixtures/tiny-llama.gguf)\n".utf8))
            exit(2)
        }
        return shape
    }()
}

/// The vocab-only GGUFs of llama.cpp's tokenizer tests (byte-level BPE and SentencePiece).
enum TokenizerFixtures {
    static let all: [(String, TextTokenizer)] = ["llama-bpe", "qwen2", "llama-spm", "phi-3"].compactMap { name in
        let url = URL(fileURLWithPath: "Tests/Fixtures/vocab/ggml-vocab-\(name).gguf")
        guard let file = try? GGUFFile(url: url), let tokenizer = try? TextTokenizer(gguf: file) else { return nil }
        return (name, tokenizer)
    }

    /// Byte-level BPE vocabularies reproduce any text; SentencePiece ones normalise spaces (a
    /// leading space is added, runs are kept) so only their no-crash property is checked.
    static func roundTrips(_ name: String, _ input: String) -> Bool {
        (name == "llama-bpe" || name == "qwen2") && !input.unicodeScalars.contains { $0.value == 0xFFFD }
    }
}
