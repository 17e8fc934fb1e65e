import Foundation
import ModelIO
import TestSupport
import Testing

/// A Llama folder's q/k weights are made in GGUF's row order only while they are read and dropped
/// after (so they do not stay resident beside the Float32 weights): every read, the first, a
/// later one after the slot was emptied, and a kept `rawData` pointer, gives the bytes llama.cpp's
/// converter wrote into the folder's GGUF (the tiny llama3 fixture, all F32, so equal bit for bit).
struct HFConvertedTensorsTests {
    static let folder = Fixtures.url("families/llama3/hf")
    static let gguf = Fixtures.url("families/llama3/model.gguf")

    @Test func permutedTensorsReadAgainAfterBeingDroppedEqualTheConvertersGGUF() throws {
        let folder = try GGUFFile(url: Self.folder), converted = try GGUFFile(url: Self.gguf)
        var checked = 0
        for name in converted.tensors.map(\.name) where name.contains(".attn_q.") || name.contains(".attn_k.") {
            let ours = try #require(folder.tensor(named: name)), theirs = try #require(converted.tensor(named: name))
            let expected = try converted.dequantize(theirs)
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: ours.elementCount)
            defer { buffer.deallocate() }
            for _ in 0..<2 {  // the slot is emptied after the first read and made again for the second
                buffer.initialize(repeating: .nan, count: ours.elementCount)
                try folder.dequantize(ours, into: buffer)
                #expect(Array(UnsafeBufferPointer(start: buffer, count: ours.elementCount)) == expected, "\(name)")
            }
            #expect(try folder.dequantizeRows(ours, 1..<3) == Array(expected[ours.rowLength ..< 3 * ours.rowLength]), "\(name)")
            // A pointer that leaves ModelIO keeps its bytes, whatever is read after.
            let kept = folder.rawData(ours)
            try folder.dequantize(ours, into: buffer)
            #expect(Array(kept.bindMemory(to: Float.self)) == expected, "\(name)")
            checked += 1
        }
        #expect(checked == 8)
    }
}
