import Foundation

// GGUF stores attn_q/attn_k rows permuted for RoPE relative to HF (convert_hf_to_gguf's permute):
// within a head of HD rows, HF row j·HD/2 + i sits at GGUF row 2i + j. These move rows of any
// width (a weight (out, in) or a LoRA B (out, R)) between the two orders.
public enum RoPERowOrder {
    /// GGUF row order → HF row order. values (heads·HD, cols).
    public static func ggufToHF(_ values: [Float], heads: Int, cols: Int) -> [Float] {
        permute(values, heads: heads, cols: cols, toHF: true)
    }

    /// HF row order → GGUF row order. values (heads·HD, cols).
    public static func hfToGGUF(_ values: [Float], heads: Int, cols: Int) -> [Float] {
        permute(values, heads: heads, cols: cols, toHF: false)
    }

    private static func permute(_ values: [Float], heads: Int, cols: Int, toHF: Bool) -> [Float] {
        let rows = values.count / max(1, cols)
        let headDim = rows / max(1, heads), half = headDim / 2
        var out = values
        for h in 0..<heads {
            for j in 0..<2 {
                for i in 0..<half {
                    let hfRow = h * headDim + j * half + i
                    let ggufRow = h * headDim + 2 * i + j
                    let (from, to) = toHF ? (ggufRow, hfRow) : (hfRow, ggufRow)
                    for c in 0..<cols { out[to * cols + c] = values[from * cols + c] }
                }
            }
        }
        return out
    }
}
