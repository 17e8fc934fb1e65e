import Foundation

/// A Hugging Face model folder (`config.json`, `model.safetensors` or shards listed by
/// `model.safetensors.index.json`, tokenizer files) assembled as the GGUF llama.cpp's converter
/// would write for it, without writing anything: metadata from config.json and the tokenizer
/// files, tensors renamed to GGUF's names and read in place from the memory-mapped shards in their
/// own dtype (F32, F16, BF16). Where the formats differ the tensor is converted into a small
/// anonymous tail (`HFFolderMapping`): Gemma's norms get their `+ 1`; Llama and SmolLM3 q/k rows
/// get GGUF's RoPE permutation (which the loader then undoes, as for any GGUF), made only while
/// they are read (`HFConvertedTensors`).
struct HFFolder {
    let metadata: [String: GGUFValue]
    let metadataKeys: [String]
    let tensors: [GGUFTensorInfo]
    let mapping: MappedFile
    let converted: HFConvertedTensors

    /// A tensor of the folder on its way to the GGUF table: where its bytes come from.
    private struct Planned {
        let name: String
        let shape: [Int]            // row-major
        let type: GGMLType
        enum Source { case shard(Int, Int), plusOne(Int, String), permuted(Int, String, heads: Int), values([Float]) }
        let source: Source
        var byteCount: Int { shape.reduce(1, *) * type.bytesPerBlock }
    }

    init(url: URL) throws {
        let config = try HFConfigMetadata(url: url.appendingPathComponent("config.json"))
        let shards = try Self.shardFiles(folder: url).map { try SafeTensors.read(url: $0) }
        let vocabulary = try HFTokenizerMetadata(folder: url, embeddingRows: config.vocabSize)

        var keys = config.metadata
        keys.append((key: "general.name", value: .string(url.lastPathComponent)))
        keys.append(contentsOf: vocabulary.metadata)
        metadata = Dictionary(keys.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        metadataKeys = keys.map(\.key)

        let heads = metadata[config.architecture + ".attention.head_count"]?.int ?? 1
        let kvHeads = metadata[config.architecture + ".attention.head_count_kv"]?.int ?? heads
        var planned: [Planned] = []
        var seen = Set<String>()
        for (index, shard) in shards.enumerated() {
            for name in shard.names {
                let entry = shard.entries[name]!
                guard let gguf = HFTensorNames.gguf(fromHuggingFace: name, architecture: config.architecture) else {
                    if HFTensorNames.ignored(name) || (config.tiedEmbeddings && name == "lm_head.weight") { continue }
                    throw GGUFError(file: shard.url.path, problem: "tensor \(name) is not part of a \(config.architecture) model Tollgate runs",
                                    fix: "remove it or use a model with only the language model's weights")
                }
                guard let dtype = entry.dtype else {
                    throw GGUFError(file: shard.url.path, problem: "tensor \(name) has dtype \(entry.dtypeName), which Tollgate cannot read",
                                    fix: "save the model in float32, float16 or bfloat16")
                }
                guard seen.insert(gguf).inserted else {
                    throw GGUFError(file: shard.url.path, problem: "tensor \(name) appears in two shards", fix: "save the model again")
                }
                let type: GGMLType = dtype == .f32 ? .f32 : dtype == .f16 ? .f16 : .bf16
                let source: Planned.Source
                if config.architecture == "gemma3", gguf.hasSuffix("norm.weight") {
                    // Gemma multiplies by (1 + w); GGUF stores 1 + w (Gemma3Model.modify_tensors).
                    source = .plusOne(index, name)
                } else if ["llama", "smollm3"].contains(config.architecture),
                          let projection = ["attn_q.", "attn_k."].first(where: { gguf.contains(".\($0)") }) {
                    source = .permuted(index, name, heads: projection == "attn_q." ? heads : kvHeads)
                } else {
                    source = .shard(index, shard.dataStart + entry.dataRange.lowerBound)
                }
                let planType: GGMLType = { if case .plusOne = source { return .f32 } else { return type } }()
                planned.append(Planned(name: gguf, shape: entry.shape, type: planType, source: source))
            }
        }
        for factor in config.factorTensors {
            planned.append(Planned(name: factor.name, shape: [factor.values.count], type: .f32, source: .values(factor.values)))
        }

        // Lay out the tail, map, then fill the tail.
        var tailOffsets: [Int] = []
        var tailBytes = 0
        for plan in planned {
            if case .shard = plan.source { tailOffsets.append(-1); continue }
            tailBytes = (tailBytes + 63) / 64 * 64
            // A tensor made on demand has pages of its own, so emptying it leaves its neighbours alone.
            guard case .permuted = plan.source else { tailOffsets.append(tailBytes); tailBytes += plan.byteCount; continue }
            tailBytes = HFFolderMapping.roundUp(tailBytes)
            tailOffsets.append(tailBytes)
            tailBytes += HFFolderMapping.roundUp(plan.byteCount)
        }
        let sizes = shards.map { (url: $0.url, size: $0.fileSize) }
        let layout = try HFFolderMapping(shards: sizes, tailBytes: tailBytes, folder: url)
        mapping = MappedFile(url: url, region: layout.region, count: layout.count,
                             fileBacked: zip(layout.shardOffsets, sizes).map { $0..<($0 + $1.size) })
        var infos: [GGUFTensorInfo] = []
        var slots: [HFConvertedTensors.Slot] = []
        for (plan, tailOffset) in zip(planned, tailOffsets) {
            let offset: Int
            switch plan.source {
            case let .shard(index, start):
                offset = layout.shardOffsets[index] + start
            case let .plusOne(index, name):
                offset = layout.tailOffset + tailOffset
                let values = try shards[index].floats(name)
                let out = (layout.region + offset).bindMemory(to: Float.self, capacity: values.count)
                for i in values.indices { out[i] = values[i] + 1 }
            case let .permuted(index, name, heads):
                offset = layout.tailOffset + tailOffset
                slots.append(try Self.permutedSlot(shards[index], name, heads: heads, at: offset,
                                                   shardOffset: layout.shardOffsets[index], mapping: mapping))
            case let .values(values):
                offset = layout.tailOffset + tailOffset
                values.withUnsafeBytes { (layout.region + offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            }
            infos.append(GGUFTensorInfo(name: plan.name, dimensions: plan.shape.reversed(), type: plan.type, offset: offset))
        }
        tensors = infos
        converted = HFConvertedTensors(region: layout.region, slots: slots)
    }

    /// The shard files: those `model.safetensors.index.json` lists, else `model.safetensors`.
    static func shardFiles(folder: URL) throws -> [URL] {
        let index = folder.appendingPathComponent("model.safetensors.index.json")
        guard let data = FileManager.default.contents(atPath: index.path) else {
            let single = folder.appendingPathComponent("model.safetensors")
            guard FileManager.default.fileExists(atPath: single.path) else {
                throw GGUFError(file: folder.path, problem: "has neither model.safetensors nor model.safetensors.index.json",
                                fix: "pass a Hugging Face model folder saved with save_pretrained, or a GGUF file")
            }
            return [single]
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let map = json["weight_map"] as? [String: String], !map.isEmpty else {
            throw GGUFError(file: index.path, problem: "has no weight_map of tensor names to shard files", fix: "save the model again")
        }
        return try Set(map.values).sorted().map { name in
            guard !name.contains("/"), !name.hasPrefix(".") else {
                throw GGUFError(file: index.path, problem: "shard \(name) is not a file in the folder", fix: "list shard file names only")
            }
            return folder.appendingPathComponent(name)
        }
    }

    /// A q or k weight (or bias) with its rows moved from Hugging Face's order into GGUF's, bytes
    /// copied as stored from the shard's pages in `mapping`, which leave the resident set after.
    private static func permutedSlot(_ shard: SafeTensorsFile, _ name: String, heads: Int, at offset: Int,
                                     shardOffset: Int, mapping: MappedFile) throws -> HFConvertedTensors.Slot {
        let entry = shard.entries[name]!
        let rows = entry.shape[0]
        guard heads > 0, rows % (2 * heads) == 0 else {
            throw GGUFError(file: shard.url.path, problem: "tensor \(name) has \(rows) rows, which \(heads) heads cannot split",
                            fix: "check num_attention_heads and num_key_value_heads in config.json")
        }
        let source = shardOffset + shard.dataStart + entry.dataRange.lowerBound, byteCount = entry.dataRange.count
        let rowBytes = byteCount / rows
        // Rows as GGUF counts them: a bias is one row.
        return HFConvertedTensors.Slot(offset: offset, byteCount: byteCount, rows: entry.shape.count > 1 ? rows : 1) { out in
            let base = mapping.bytes.baseAddress! + source
            for hfRow in 0..<rows {
                let ggufRow = RoPEPermutation.ggufRow(forHFRow: hfRow, rows: rows, heads: heads)
                (out + ggufRow * rowBytes).copyMemory(from: base + hfRow * rowBytes, byteCount: rowBytes)
            }
            mapping.releaseResidentPages(overlapping: source..<(source + byteCount))
        }
    }
}
