/// Email addresses: `local@domain.tld` with an ASCII local part of letters, digits and `._%+-`,
/// and a domain of at least two dot-separated labels ending in a top-level domain of 2 or more
/// letters. A final `.` (end of a sentence) is not part of the address.
///
/// Misses: quoted local parts (`"john doe"@example.com`), IP-literal domains (`user@[192.0.2.1]`),
/// addresses with non-ASCII letters (`josé@exemple.fr`), and spelled-out ones (`ann at example dot com`).
struct EmailDetector: Detector {
    let kind = RedactionKind.email

    static func isLocalByte(_ byte: UInt8) -> Bool {
        ASCII.isAlphanumeric(byte) || byte == ASCII.dot || byte == ASCII.minus || byte == UInt8(ascii: "_")
            || byte == ASCII.plus || byte == UInt8(ascii: "%")
    }

    static func isDomainByte(_ byte: UInt8) -> Bool { ASCII.isAlphanumeric(byte) || byte == ASCII.dot || byte == ASCII.minus }

    func ranges(in bytes: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        for at in bytes.indices where bytes[at] == ASCII.at {
            if let last = found.last, last.contains(at) { continue }
            var start = at
            while start > 0, Self.isLocalByte(bytes[start - 1]) { start -= 1 }
            while start < at, bytes[start] == ASCII.dot { start += 1 }
            guard start < at, at - start <= 64, bytes[at - 1] != ASCII.dot else { continue }
            if let previous = found.last, previous.upperBound > start { continue }
            var end = at + 1
            while end < bytes.count, Self.isDomainByte(bytes[end]) { end += 1 }
            while end > at + 1, bytes[end - 1] == ASCII.dot || bytes[end - 1] == ASCII.minus { end -= 1 }
            guard validDomain(bytes[(at + 1)..<end]) else { continue }
            found.append(start..<end)
        }
        return found
    }

    private func validDomain(_ domain: ArraySlice<UInt8>) -> Bool {
        let labels = domain.split(separator: ASCII.dot, omittingEmptySubsequences: false)
        guard labels.count >= 2, let tld = labels.last, tld.count >= 2, tld.allSatisfy(ASCII.isLetter) else { return false }
        return labels.allSatisfy { !$0.isEmpty && $0.first != ASCII.minus && $0.last != ASCII.minus }
    }

    func identity(of bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes.map(ASCII.lowercased), as: UTF8.self) }
}
