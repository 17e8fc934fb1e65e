import Foundation
import ModelIO

/// What a `tokenizer.json` does to each text fragment (the text between added tokens) that
/// llama.cpp's rules do not: its normalizers, and Metaspace's prepend scheme. Read from the
/// `tokenizer.hf.*` keys a Hugging Face folder's metadata carries (ModelIO's `HFTokenizerMetadata`);
/// a GGUF has none of them, and its fragments go through llama.cpp's rules unchanged.
public struct HFTextNormalization: Sendable, Equatable {
    /// tokenizers' normalizers Tollgate applies, in order.
    public enum Step: String, Sendable, CaseIterable {
        /// Unicode canonical composition (`NFC`).
        case nfc
        /// `Replace` of `\A +| +\z` by "": spaces at both ends of the fragment dropped.
        case stripSpaces = "strip_spaces"
        /// `Replace` of ` {2,}` by " ": runs of spaces become one.
        case collapseSpaces = "collapse_spaces"
    }

    /// Metaspace's `prepend_scheme`: where `▁` goes before a fragment that does not already start
    /// with a space — only the fragment at the start of the text (`first`), every one (`always`), none.
    /// `prepend`: the `Prepend("▁")` normalizer, which puts it before every non-empty fragment.
    public enum PrependScheme: String, Sendable {
        case first, always, never, prepend
    }

    public var steps: [Step]
    public var prepend: PrependScheme

    public init(steps: [Step], prepend: PrependScheme) {
        self.steps = steps
        self.prepend = prepend
    }

    /// The normalized fragment; nil when no step changes anything.
    func normalize(_ utf8: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard !steps.isEmpty else { return nil }
        var bytes = Array(utf8)
        for step in steps {
            switch step {
            case .nfc:
                bytes = Array(String(decoding: bytes, as: UTF8.self).precomposedStringWithCanonicalMapping.utf8)
            case .stripSpaces:
                let start = bytes.firstIndex { $0 != 0x20 } ?? bytes.count
                let end = (bytes.lastIndex { $0 != 0x20 } ?? -1) + 1
                bytes = start < end ? Array(bytes[start..<end]) : []
            case .collapseSpaces:
                var out: [UInt8] = []
                out.reserveCapacity(bytes.count)
                for byte in bytes where !(byte == 0x20 && out.last == 0x20) { out.append(byte) }
                bytes = out
            }
        }
        return bytes
    }

    /// Whether `▁` goes before a fragment: `atStart` says its first byte is the text's first
    /// (tokenizers checks the original offset, which stripped leading spaces move on).
    func prependsSpace(before fragment: [UInt8], atStart: Bool) -> Bool {
        guard !fragment.isEmpty else { return false }
        if prepend == .prepend { return true }
        guard fragment.first != 0x20 else { return false }
        switch prepend {
        case .first: return atStart
        case .always: return true
        case .never, .prepend: return false
        }
    }
}

extension HFTextNormalization {
    /// From `tokenizer.hf.normalizers` (an array of step names) and `tokenizer.hf.prepend_scheme`;
    /// nil when the metadata has neither (a GGUF).
    init?(metadata: [String: GGUFValue]) throws {
        let stepsValue = metadata["tokenizer.hf.normalizers"], schemeValue = metadata["tokenizer.hf.prepend_scheme"]
        guard stepsValue != nil || schemeValue != nil else { return nil }
        let names = stepsValue?.stringArray ?? []
        let steps = try names.map { name in
            guard let step = Step(rawValue: name) else {
                throw TokenizerError.wrongMetadataType(key: "tokenizer.hf.normalizers", expected: Step.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return step
        }
        guard let scheme = PrependScheme(rawValue: schemeValue?.string ?? "never") else {
            throw TokenizerError.wrongMetadataType(key: "tokenizer.hf.prepend_scheme", expected: "first, always, never or prepend")
        }
        self.init(steps: steps, prepend: scheme)
    }
}
