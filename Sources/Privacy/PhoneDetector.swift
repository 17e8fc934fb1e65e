/// Telephone numbers, in the shapes below (7–15 digits in all, the E.164 limit):
/// - international: `+` and the country code, then digits in any grouping with spaces, hyphens,
///   dots or an area code in brackets (`+44 20 7946 0958`, `+1-415-555-0132`, `+49 (0)30 1234567`,
///   `+4915112345678`);
/// - an area code in brackets first: `(415) 555-0132`, `(020) 7946 0958`;
/// - North American 3-3-4, optionally after a leading 1: `415-555-0132`, `1 800 555 0199`;
/// - national numbers with a trunk 0, 9–12 digits in two or more groups with one kind of separator:
///   `020 7946 0958`, `01 23 45 67 89`, `030 1234567`, `03-1234-5678`, `0412 345 678`;
/// - 10–13 digits written together right after a word such as phone, call, tel, mobile, cell,
///   text, sms, whatsapp or fax (`call me on 4155550132`).
///
/// Left alone: numbers glued to letters or to `#`, `$`, `-`, `/`, `.` or `,` (order ids, prices,
/// decimals), numbers followed by a decimal or `%`, dates (2024-03-15, 15.03.2024) and version
/// strings. Misses: local numbers without an area code (`555-0132`), national formats without a
/// trunk 0 other than North America's (Spain `912 345 678`, India `98765 43210`) unless written
/// with `+`, vanity numbers (`1-800-FLOWERS`), numbers spelled out or split by other characters.
/// Look-alike that is redacted: a number in two or more groups that starts with 0 and has 9–12
/// digits (`0042-7781-2234`), and a 3-3-4 number that is not a phone.
struct PhoneDetector: Detector {
    let kind = RedactionKind.phone

    static let separators: Set<UInt8> = Set(" -.".utf8)
    /// Right before a number, these say it belongs to something else: an amount, an id, a decimal.
    static let gluedBefore: Set<UInt8> = Set(".,-_/#$=*&%@+".utf8)
    static let keywords: Set<String> = ["phone", "call", "tel", "telephone", "mobile", "cell", "cellphone", "text", "sms",
                                        "whatsapp", "fax", "ring"]

    struct Group {
        var digits: [UInt8]
        var separatorBefore: UInt8?
        var bracketed: Bool
        var end: Int
    }

    func ranges(in bytes: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var index = 0
        while index < bytes.count {
            if startsCandidate(bytes, at: index), let end = match(in: bytes, from: index) {
                found.append(index..<end)
                index = end
            } else {
                index += 1
            }
        }
        return found
    }

    private func startsCandidate(_ bytes: [UInt8], at index: Int) -> Bool {
        let byte = bytes[index]
        guard ASCII.isDigit(byte) || ((byte == ASCII.plus || byte == ASCII.openParen) && bytes.isDigit(at: index + 1)) else {
            return false
        }
        guard let previous = bytes.byte(at: index - 1) else { return true }
        return !ASCII.isAlphanumeric(previous) && !Self.gluedBefore.contains(previous) && !bytes.continuesNumber(at: index)
    }

    /// The longest run of groups from `start` that has a phone number's shape and ends cleanly.
    private func match(in bytes: [UInt8], from start: Int) -> Int? {
        let international = bytes[start] == ASCII.plus
        let groups = self.groups(in: bytes, from: international ? start + 1 : start)
        for count in stride(from: groups.count, through: 1, by: -1) {
            let candidate = Array(groups[0..<count])
            let end = candidate[count - 1].end
            guard endsCleanly(bytes, at: end),
                  hasPhoneShape(candidate, international: international, keyword: keywordBefore(bytes, start)) else { continue }
            return end
        }
        return nil
    }

    /// Digit groups separated by one space, hyphen or dot, or bracketed (`(415)`, `(0)`), up to 15 digits.
    private func groups(in bytes: [UInt8], from start: Int) -> [Group] {
        var groups: [Group] = []
        var index = start
        var separator: UInt8?
        var total = 0
        while index < bytes.count {
            var bracketed = false
            var digitsStart = index
            if bytes[index] == ASCII.openParen {
                bracketed = true
                digitsStart = index + 1
            }
            var end = digitsStart
            while bytes.isDigit(at: end) { end += 1 }
            guard end > digitsStart else { break }
            if bracketed {
                guard bytes.byte(at: end) == ASCII.closeParen else { break }
            }
            total += end - digitsStart
            guard total <= 15 else { break }
            let after = bracketed ? end + 1 : end
            groups.append(Group(digits: Array(bytes[digitsStart..<end]), separatorBefore: separator, bracketed: bracketed, end: after))
            index = after
            if bracketed, bytes.isDigit(at: index) {
                separator = nil  // `(0)20` — a bracketed group may touch the next one
                continue
            }
            guard let next = bytes.byte(at: index), Self.separators.contains(next),
                  bytes.isDigit(at: index + 1) || (bytes.byte(at: index + 1) == ASCII.openParen && bytes.isDigit(at: index + 2))
            else { break }
            separator = next
            index += 1
        }
        return groups
    }

    private func hasPhoneShape(_ groups: [Group], international: Bool, keyword: Bool) -> Bool {
        let digitCount = groups.reduce(0) { $0 + $1.digits.count }
        if international { return (8...15).contains(digitCount) }
        guard (7...15).contains(digitCount) else { return false }
        let sizes = groups.map(\.digits.count)
        if groups[0].bracketed { return groups.count >= 2 && (10...12).contains(digitCount) && !groups.dropFirst().contains(where: \.bracketed) }
        if groups.contains(where: \.bracketed) { return false }
        if groups.count == 1 { return keyword && (10...13).contains(digitCount) }
        let separators = Set(groups.dropFirst().compactMap(\.separatorBefore))
        guard separators.count == 1, groups.dropFirst().allSatisfy({ $0.separatorBefore != nil }) else { return false }
        if isDateShaped(sizes) { return false }
        if sizes == [3, 3, 4] { return true }
        if sizes == [1, 3, 3, 4] && groups[0].digits == [UInt8(ascii: "1")] { return true }
        // Trunk-0 national numbers group their digits in threes or more after the area code
        // (020 7946 0958, 0412 345 678) or in pairs throughout (01 23 45 67 89); 012-09-9469 is neither.
        let grouping = sizes.dropFirst().allSatisfy { $0 >= 3 } || (sizes.count >= 4 && sizes.allSatisfy { $0 == 2 })
        return groups[0].digits[0] == UInt8(ascii: "0") && (9...12).contains(digitCount) && grouping
    }

    private func isDateShaped(_ sizes: [Int]) -> Bool {
        guard sizes.count == 3 else { return false }
        return (sizes[0] == 4 && sizes[1] <= 2 && sizes[2] <= 2) || (sizes[0] <= 2 && sizes[1] <= 2 && (sizes[2] == 4 || sizes[2] == 2))
    }

    /// Not followed by a letter, digit or `%`, nor by a decimal or grouping mark and a digit.
    private func endsCleanly(_ bytes: [UInt8], at end: Int) -> Bool {
        guard let next = bytes.byte(at: end) else { return true }
        if ASCII.isAlphanumeric(next) || next == UInt8(ascii: "%") { return false }
        if [ASCII.dot, ASCII.comma, ASCII.colon, ASCII.slash, ASCII.minus].contains(next) && bytes.isDigit(at: end + 1) { return false }
        return true
    }

    /// True when one of the three words before `start` is a phone keyword.
    private func keywordBefore(_ bytes: [UInt8], _ start: Int) -> Bool {
        let window = bytes[max(0, start - 32)..<start].map(ASCII.lowercased)
        let words = window.split { !ASCII.isLetter($0) }.suffix(3).map { String(decoding: $0, as: UTF8.self) }
        return words.contains { Self.keywords.contains($0) }
    }

    func identity(of bytes: ArraySlice<UInt8>) -> String {
        (bytes.first == ASCII.plus ? "+" : "") + String(decoding: bytes.filter(ASCII.isDigit), as: UTF8.self)
    }
}
