/// The row permutation `convert_hf_to_gguf` applies to q and k projection weights (and that LoRA
/// B matrices of q/k need too). HF orders each head's rows as two halves [x0…x(h/2−1), y0…]
/// (rotate-half RoPE); GGUF interleaves them as pairs [x0, y0, x1, y1, …] (ggml's RoPE).
/// Matrices are row-major `[rows, cols]` with `rows = heads × headDim`; pass the KV head count for k.
public enum RoPEPermutation {
    /// HF row order → GGUF row order.
    public static func hfToGGUF(_ values: [Float], rows: Int, cols: Int, heads: Int) -> [Float] {
        permute(values, rows: rows, cols: cols, heads: heads, toGGUF: true)
    }

    /// GGUF row order → HF row order (the inverse of `hfToGGUF`).
    public static func ggufToHF(_ values: [Float], rows: Int, cols: Int, heads: Int) -> [Float] {
        permute(values, rows: rows, cols: cols, heads: heads, toGGUF: false)
    }

    /// Where HF row `row` goes in GGUF order.
    public static func ggufRow(forHFRow row: Int, rows: Int, heads: Int) -> Int {
        let headDim = rows / heads, half = headDim / 2
        let head = row / headDim, within = row % headDim
        return head * headDim + (within % half) * 2 + within / half
    }

    private static func permute(_ values: [Float], rows: Int, cols: Int, heads: Int, toGGUF: Bool) -> [Float] {
        precondition(values.count == rows * cols, "RoPEPermutation: \(values.count) values for [\(rows), \(cols)]")
        precondition(heads > 0 && rows % (2 * heads) == 0, "RoPEPermutation: \(rows) rows cannot split into \(heads) heads of even size")
        var out = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for hfRow in 0 ..< rows {
                    let ggufRow = ggufRow(forHFRow: hfRow, rows: rows, heads: heads)
                    let (from, to) = toGGUF ? (hfRow, ggufRow) : (ggufRow, hfRow)
                    (target.baseAddress! + to * cols).update(from: source.baseAddress! + from * cols, count: cols)
                }
            }
        }
        return out
    }
}
