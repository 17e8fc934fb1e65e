/// Payment card numbers: 13 to 19 digits, written together or in groups separated by single spaces
/// or single hyphens (one kind of separator per number), beginning with 2–6 (Mastercard, Amex,
/// Diners, JCB, Visa, Discover, UnionPay), and passing the Luhn check. Order numbers, prices and
/// other long numbers are left alone unless they pass all three tests, which about 1 in 10 random
/// numbers of a card's length and first digit do.
///
/// Misses: numbers with a typo (they fail Luhn, by design), numbers split by other characters
/// (`4111.1111.1111.1111`, `4111 / 1111 …`), and cards of networks starting with 1, 7, 8 or 9.
struct CardDetector: Detector {
    let kind = RedactionKind.card

    /// Bytes that, right before a number, say it is part of something else: a decimal, an
    /// identifier (`ORD-…`, `#…`), a path or an amount.
    static let gluedBefore: Set<UInt8> = Set(".,-_/#$".utf8)

    func ranges(in bytes: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var index = 0
        while index < bytes.count {
            guard bytes.isDigit(at: index), !bytes.isAlphanumeric(at: index - 1),
                  !(bytes.byte(at: index - 1).map { Self.gluedBefore.contains($0) } ?? false),
                  !bytes.continuesNumber(at: index) else {
                index += 1
                continue
            }
            if let match = match(in: bytes, from: index) {
                found.append(match)
                index = match.upperBound
            } else {
                while index < bytes.count, bytes.isDigit(at: index) { index += 1 }
            }
        }
        return found
    }

    /// The longest run of digit groups from `start` that ends on a group boundary and is a card number.
    private func match(in bytes: [UInt8], from start: Int) -> Range<Int>? {
        var groupEnds: [Int] = []  // byte index after each group
        var digits: [Int] = []
        var digitCountAtEnd: [Int] = []
        var separator: UInt8?
        var index = start
        while index < bytes.count {
            while bytes.isDigit(at: index) { digits.append(ASCII.digitValue(bytes[index])); index += 1 }
            groupEnds.append(index)
            digitCountAtEnd.append(digits.count)
            guard digits.count < 19, let next = bytes.byte(at: index), next == ASCII.space || next == ASCII.minus,
                  separator == nil || separator == next, bytes.isDigit(at: index + 1) else { break }
            separator = next
            index += 1
        }
        for (end, count) in zip(groupEnds, digitCountAtEnd).reversed() where (13...19).contains(count) {
            guard endsCleanly(bytes, at: end), (2...6).contains(digits[0]), Luhn.isValid(Array(digits[0..<count])) else { continue }
            return start..<end
        }
        return nil
    }

    /// Not followed by a letter or digit, nor by a decimal or grouping mark and a digit.
    private func endsCleanly(_ bytes: [UInt8], at end: Int) -> Bool {
        guard let next = bytes.byte(at: end) else { return true }
        if ASCII.isAlphanumeric(next) { return false }
        if (next == ASCII.dot || next == ASCII.comma || next == ASCII.minus) && bytes.isDigit(at: end + 1) { return false }
        return true
    }

    func identity(of bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes.filter(ASCII.isDigit), as: UTF8.self) }
}
