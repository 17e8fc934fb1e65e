/// The bytes each token decodes to (llama.cpp's `token_to_piece` with special tokens shown), built
/// once and stored flat: token i is `bytes[offsets[i]..<offsets[i + 1]]`.
///
/// Control, unknown and user-defined tokens are their literal text in both kinds of vocabulary.
/// BPE: other tokens are spelled in the byte-level alphabet (`Ġ` → space). SentencePiece: normal
/// tokens with `▁` → space, byte tokens `<0xXX>` → that byte, unused and undefined tokens → nothing.
struct TokenPieces: Sendable {
    private let bytes: [UInt8]
    private let offsets: [Int32]

    func bytes(of id: Int) -> ArraySlice<UInt8> { bytes[Int(offsets[id])..<Int(offsets[id + 1])] }

    init(bytePairIndex index: TokenTextIndex, attributes: [TokenAttributes]) {
        var bytes: [UInt8] = [], offsets: [Int32] = [0]
        bytes.reserveCapacity(index.bytes.count)
        offsets.reserveCapacity(index.count + 1)
        for id in 0..<index.count {
            let text = index.text(of: id)
            if attributes[id].isDisjoint(with: .special) {
                bytes.append(contentsOf: ByteLevelAlphabet.decode(String(decoding: text, as: UTF8.self)))
            } else {
                bytes.append(contentsOf: text)
            }
            offsets.append(Int32(bytes.count))
        }
        self.bytes = bytes
        self.offsets = offsets
    }

    init(sentencePieceIndex index: TokenTextIndex, attributes: [TokenAttributes]) throws {
        var bytes: [UInt8] = [], offsets: [Int32] = [0]
        bytes.reserveCapacity(index.bytes.count)
        offsets.reserveCapacity(index.count + 1)
        for id in 0..<index.count {
            let text = index.text(of: id)
            let attribute = attributes[id]
            if !attribute.isDisjoint(with: .special) {
                bytes.append(contentsOf: text)
            } else if attribute.contains(.normal) {
                Self.appendUnescaped(text, to: &bytes)
            } else if attribute.contains(.byte) {
                guard let byte = Self.byteValue(text) else {
                    throw TokenizerError.malformedByteToken(id: id, text: String(decoding: text, as: UTF8.self))
                }
                bytes.append(byte)
            }
            offsets.append(Int32(bytes.count))
        }
        self.bytes = bytes
        self.offsets = offsets
    }

    /// `text` with every `▁` (E2 96 81) written as a space.
    private static func appendUnescaped(_ text: ArraySlice<UInt8>, to bytes: inout [UInt8]) {
        var k = text.startIndex
        while k < text.endIndex {
            if text[k] == 0xE2, k + 2 < text.endIndex, text[k + 1] == 0x96, text[k + 2] == 0x81 {
                bytes.append(0x20)
                k += 3
            } else {
                bytes.append(text[k])
                k += 1
            }
        }
    }

    /// The byte a `<0xXX>` token stands for.
    private static func byteValue(_ text: ArraySlice<UInt8>) -> UInt8? {
        let spelled = Array(text)
        guard spelled.count == 6, spelled.starts(with: Array("<0x".utf8)), spelled[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: spelled[3..<5], as: UTF8.self), radix: 16)
    }
}
