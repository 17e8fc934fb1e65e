/// IBANs: a known country code, two check digits and the account part, written together or in
/// groups separated by single spaces (`DE89 3704 0044 0532 0130 00`), of exactly the country's
/// length and passing the mod-97 check. Lowercase letters are accepted (checked as uppercase).
///
/// Misses: IBANs of countries not in `IBANChecksum.lengths`, IBANs with a typo (they fail mod 97,
/// by design), and IBANs split by hyphens, dots or line breaks.
struct IBANDetector: Detector {
    let kind = RedactionKind.iban

    func ranges(in bytes: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var index = 0
        while index + 4 < bytes.count {
            if ASCII.isLetter(bytes[index]), ASCII.isLetter(bytes[index + 1]), !bytes.isAlphanumeric(at: index - 1),
               let end = match(in: bytes, from: index) {
                found.append(index..<end)
                index = end
            } else {
                index += 1
            }
        }
        return found
    }

    /// The end of an IBAN starting at `start`, collecting exactly the country's length in letters
    /// and digits across single spaces.
    private func match(in bytes: [UInt8], from start: Int) -> Int? {
        let country = String(decoding: bytes[start..<(start + 2)].map(ASCII.uppercased), as: UTF8.self)
        guard let length = IBANChecksum.lengths[country], bytes.isDigit(at: start + 2), bytes.isDigit(at: start + 3) else {
            return nil
        }
        var collected: [UInt8] = []
        var index = start
        while index < bytes.count, collected.count < length {
            let byte = bytes[index]
            if ASCII.isAlphanumeric(byte) {
                collected.append(ASCII.uppercased(byte))
            } else if byte == ASCII.space, collected.count >= 4, bytes.isAlphanumeric(at: index + 1), bytes.isAlphanumeric(at: index - 1) {
                // a single space between groups
            } else {
                return nil
            }
            index += 1
        }
        guard collected.count == length, !bytes.isAlphanumeric(at: index),
              IBANChecksum.isValid(String(decoding: collected, as: UTF8.self)) else { return nil }
        return index
    }

    func identity(of bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.filter(ASCII.isAlphanumeric).map(ASCII.uppercased), as: UTF8.self)
    }
}
