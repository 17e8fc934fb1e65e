/// Byte classes for the detectors, which scan UTF-8 bytes. Every pattern they look for is ASCII,
/// so a match always starts and ends on an ASCII byte and cutting there keeps the text valid UTF-8.
/// Bytes of other scripts count as neither letters nor digits: "é" next to a number is a boundary.
enum ASCII {
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
    static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || isLetter(byte) }
    static func isHexDigit(_ byte: UInt8) -> Bool { isDigit(byte) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66) }
    static func uppercased(_ byte: UInt8) -> UInt8 { isLetter(byte) ? byte & ~0x20 : byte }
    static func lowercased(_ byte: UInt8) -> UInt8 { isLetter(byte) ? byte | 0x20 : byte }
    static func digitValue(_ byte: UInt8) -> Int { Int(byte) - 0x30 }

    static let plus = UInt8(ascii: "+"), minus = UInt8(ascii: "-"), dot = UInt8(ascii: "."), comma = UInt8(ascii: ",")
    static let space = UInt8(ascii: " "), colon = UInt8(ascii: ":"), at = UInt8(ascii: "@"), slash = UInt8(ascii: "/")
    static let openParen = UInt8(ascii: "("), closeParen = UInt8(ascii: ")")
}

extension Array where Element == UInt8 {
    /// The byte at `index`, or nil outside the array: lets boundary checks read past either end.
    func byte(at index: Int) -> UInt8? { index >= 0 && index < count ? self[index] : nil }

    /// True when the byte at `index` is a digit (false outside the array).
    func isDigit(at index: Int) -> Bool { byte(at: index).map(ASCII.isDigit) ?? false }

    /// True when the byte at `index` is a letter or digit (false outside the array).
    func isAlphanumeric(at index: Int) -> Bool { byte(at: index).map(ASCII.isAlphanumeric) ?? false }

    /// True when the number starting at `index` continues one written before it, as the next
    /// group after a space, hyphen or dot (`2365 0806 …` inside an account number): no phone or
    /// card number starts there.
    func continuesNumber(at index: Int) -> Bool {
        guard let separator = byte(at: index - 1), [ASCII.space, ASCII.minus, ASCII.dot].contains(separator) else { return false }
        return isDigit(at: index - 2)
    }

    func text(_ range: Range<Int>) -> String { String(decoding: self[range], as: UTF8.self) }
}
