/// IP addresses.
/// - IPv4: four decimal octets 0–255 without leading zeros, not glued to letters, digits or a
///   further `.digit` (so `v1.2.3.4-beta` and `10.0.19045.3693` are left alone). A port or a
///   prefix length after it stays: `<IP_1>:8080`.
/// - IPv6: hexadecimal groups of 1–4 separated by colons, eight of them or fewer with one `::`,
///   optionally ending in a dotted IPv4 (`::ffff:192.0.2.7`); a compressed address needs at least
///   two groups and a digit (`fe80::1` yes, `::1` and `dead::beef` no).
///
/// Misses and look-alikes: `::1` (loopback) is not redacted; a four-part version number whose parts
/// are all 255 or less (`1.2.3.4`) is taken for an address; addresses written with leading zeros
/// (`010.001.002.003`) are missed.
struct IPAddressDetector: Detector {
    let kind = RedactionKind.ip

    func ranges(in bytes: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var index = 0
        while index < bytes.count {
            // `ip:10.0.0.1` is an address after a label, but a colon before hex digits is inside IPv6.
            let previous = bytes.byte(at: index - 1)
            let gluedToWord = previous.map { ASCII.isAlphanumeric($0) || $0 == ASCII.dot } ?? false
            let end = gluedToWord ? nil
                : (previous == ASCII.colon ? nil : ipv6End(bytes, from: index)) ?? ipv4End(bytes, from: index)
            if let end {
                found.append(index..<end)
                index = end
            } else {
                index += 1
            }
        }
        return found
    }

    /// The end of a dotted quad starting at `start`, checked for what follows it.
    private func ipv4End(_ bytes: [UInt8], from start: Int) -> Int? {
        guard let end = Self.dottedQuad(bytes, from: start) else { return nil }
        if bytes.isAlphanumeric(at: end) { return nil }
        if bytes.byte(at: end) == ASCII.dot && bytes.isDigit(at: end + 1) { return nil }
        return end
    }

    /// Four octets from `start`, each 0–255 without a leading zero; the index after the last.
    static func dottedQuad(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        for octet in 0..<4 {
            if octet > 0 {
                guard bytes.byte(at: index) == ASCII.dot else { return nil }
                index += 1
            }
            let first = index
            var value = 0
            while bytes.isDigit(at: index), index - first < 3 { value = value * 10 + ASCII.digitValue(bytes[index]); index += 1 }
            let length = index - first
            guard length > 0, !bytes.isDigit(at: index), value <= 255, length == 1 || bytes[first] != 0x30 else { return nil }
        }
        return index
    }

    /// The end of an IPv6 address starting at `start`: the longest run of hex digits, colons and
    /// dots that parses, after dropping a trailing `:` or `.` of the surrounding sentence.
    private func ipv6End(_ bytes: [UInt8], from start: Int) -> Int? {
        var end = start
        while let byte = bytes.byte(at: end), ASCII.isHexDigit(byte) || byte == ASCII.colon || byte == ASCII.dot { end += 1 }
        guard !bytes.isAlphanumeric(at: end) else { return nil }
        while end > start {
            if isIPv6(Array(bytes[start..<end])) { return end }
            guard let last = bytes.byte(at: end - 1), last == ASCII.colon || last == ASCII.dot,
                  bytes.byte(at: end - 2) != ASCII.colon else { return nil }
            end -= 1
        }
        return nil
    }

    private func isIPv6(_ token: [UInt8]) -> Bool {
        guard token.filter({ $0 == ASCII.colon }).count >= 2 else { return false }
        let halves = Self.halves(token)
        guard halves.count <= 2 else { return false }
        var groups = 0
        for (halfIndex, half) in halves.enumerated() where !half.isEmpty {
            let parts = half.split(separator: ASCII.colon, omittingEmptySubsequences: false)
            for (partIndex, part) in parts.enumerated() {
                let isLast = halfIndex == halves.count - 1 && partIndex == parts.count - 1
                if isLast, part.contains(ASCII.dot) {
                    let quad = Array(part)
                    guard Self.dottedQuad(quad, from: 0) == quad.count else { return false }
                    groups += 2
                } else {
                    guard (1...4).contains(part.count), part.allSatisfy(ASCII.isHexDigit) else { return false }
                    groups += 1
                }
            }
        }
        if halves.count == 1 { return groups == 8 }
        return groups >= 2 && groups <= 7 && token.contains(where: ASCII.isDigit)
    }

    /// The token split at each `::` (three or more pieces mean two `::`, which is invalid).
    static func halves(_ token: [UInt8]) -> [ArraySlice<UInt8>] {
        var pieces: [ArraySlice<UInt8>] = []
        var start = 0, index = 0
        while index + 1 < token.count {
            if token[index] == ASCII.colon && token[index + 1] == ASCII.colon {
                pieces.append(token[start..<index])
                index += 2
                start = index
            } else {
                index += 1
            }
        }
        pieces.append(token[start..<token.count])
        return pieces
    }

    func identity(of bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes.map(ASCII.lowercased), as: UTF8.self) }
}
