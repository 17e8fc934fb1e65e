/// How predictions and golds are normalised before comparing.
public enum AnswerNormalization: String, Codable, Sendable, CaseIterable {
    /// Compared as they are (code point by code point).
    case exact
    /// Leading and trailing whitespace removed.
    case strip
    /// SQuAD v1.1 `normalize_answer`: lower-case, drop ASCII punctuation, drop the words a/an/the,
    /// collapse whitespace.
    case squad

    /// The normalised text as Unicode scalar values.
    public func normalize(_ text: String) -> [UInt32] {
        var scalars = PythonText.scalars(of: text)
        switch self {
        case .exact: break
        case .strip: PythonText.strip(&scalars)
        case .squad: scalars = Self.squadNormalized(scalars)
        }
        return scalars
    }

    public func normalizedString(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for value in normalize(text) { if let scalar = Unicode.Scalar(value) { result.append(scalar) } }
        return String(result)
    }

    static func squadNormalized(_ input: [UInt32]) -> [UInt32] {
        var text = input, scratch: [UInt32] = []
        PythonText.lower(&text, scratch: &scratch)
        text.removeAll(where: PythonText.isASCIIPunctuation)
        // re.sub(r'\b(a|an|the)\b', ' ', text): a match is always a whole run of word characters.
        scratch.removeAll(keepingCapacity: true)
        var index = 0
        while index < text.count {
            guard PythonText.isWordCharacter(text[index]) else {
                scratch.append(text[index]); index += 1; continue
            }
            let start = index
            while index < text.count, PythonText.isWordCharacter(text[index]) { index += 1 }
            let word = text[start..<index]
            if word.elementsEqual([0x61]) || word.elementsEqual([0x61, 0x6E]) || word.elementsEqual([0x74, 0x68, 0x65]) {
                scratch.append(0x20)
            } else {
                scratch.append(contentsOf: word)
            }
        }
        // ' '.join(text.split())
        var joined: [UInt32] = []
        PythonText.forEachWord(in: scratch) { start, end in
            if !joined.isEmpty { joined.append(0x20) }
            joined.append(contentsOf: scratch[start..<end])
        }
        return joined
    }
}
