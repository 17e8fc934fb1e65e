import ModelIO
import Testing

@Suite struct TensorNameTests {
    static let pairs: [(String, String)] = [
        ("token_embd.weight", "model.embed_tokens.weight"),
        ("output_norm.weight", "model.norm.weight"),
        ("output.weight", "lm_head.weight"),
        ("blk.0.attn_q.weight", "model.layers.0.self_attn.q_proj.weight"),
        ("blk.7.attn_k.weight", "model.layers.7.self_attn.k_proj.weight"),
        ("blk.12.attn_v.weight", "model.layers.12.self_attn.v_proj.weight"),
        ("blk.29.attn_output.weight", "model.layers.29.self_attn.o_proj.weight"),
        ("blk.1.ffn_gate.weight", "model.layers.1.mlp.gate_proj.weight"),
        ("blk.1.ffn_up.weight", "model.layers.1.mlp.up_proj.weight"),
        ("blk.1.ffn_down.weight", "model.layers.1.mlp.down_proj.weight"),
        ("blk.3.attn_norm.weight", "model.layers.3.input_layernorm.weight"),
        ("blk.3.ffn_norm.weight", "model.layers.3.post_attention_layernorm.weight"),
        ("blk.2.attn_q.bias", "model.layers.2.self_attn.q_proj.bias"),
    ]

    @Test func llamaNamesMapBothWays() {
        for (gguf, hf) in Self.pairs {
            #expect(LlamaTensorNames.huggingFace(fromGGUF: gguf) == hf)
            #expect(LlamaTensorNames.gguf(fromHuggingFace: hf) == gguf)
        }
    }

    @Test func unknownNamesMapToNil() {
        for name in ["blk.x.attn_q.weight", "blk.1.attn_qq.weight", "output_normal.weight", "rope_freqs.weight",
                     "model.layers.1.mlp.fc1.weight", "model.layers.-1.mlp.up_proj.weight", "blk.1"] {
            #expect(LlamaTensorNames.huggingFace(fromGGUF: name) == nil, "\(name)")
            #expect(LlamaTensorNames.gguf(fromHuggingFace: name) == nil, "\(name)")
        }
    }

    /// Row orders computed with convert_hf_to_gguf's `permute` in numpy on rows 0…11.
    @Test func permutationMatchesConvertHFToGGUF() {
        let rows = (0 ..< 12).map(Float.init)
        #expect(RoPEPermutation.hfToGGUF(rows, rows: 12, cols: 1, heads: 2) == [0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11])
        #expect(RoPEPermutation.hfToGGUF(rows, rows: 12, cols: 1, heads: 3) == [0, 2, 1, 3, 4, 6, 5, 7, 8, 10, 9, 11])
    }

    @Test func permutationMovesWholeRowsAndInvertsExactly() {
        var generator = SeededGenerator(seed: 7)
        for (rows, cols, heads) in [(32, 32, 4), (16, 32, 2), (576, 3, 9), (192, 4, 3), (64, 5, 1)] {
            let values = (0 ..< rows * cols).map { _ in Float.random(in: -1 ... 1, using: &generator) }
            let permuted = RoPEPermutation.hfToGGUF(values, rows: rows, cols: cols, heads: heads)
            #expect(permuted != values || heads * 2 == rows)
            for row in 0 ..< rows {
                let target = RoPEPermutation.ggufRow(forHFRow: row, rows: rows, heads: heads)
                #expect(Array(permuted[target * cols ..< (target + 1) * cols]) == Array(values[row * cols ..< (row + 1) * cols]))
            }
            #expect(RoPEPermutation.ggufToHF(permuted, rows: rows, cols: cols, heads: heads) == values)
            #expect(RoPEPermutation.hfToGGUF(RoPEPermutation.ggufToHF(values, rows: rows, cols: cols, heads: heads),
                                             rows: rows, cols: cols, heads: heads) == values)
        }
    }
}
