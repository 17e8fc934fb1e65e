import Foundation
import GRDB

/// How the records read their dates: the forms a store holds, checked byte by byte before GRDB's
/// parser sees them. GRDB's SQLite date parser stops the process on a byte above 0x7F where it
/// expects a digit (an Int8 subtraction that overflows), so a date column of a store from
/// elsewhere holding such text would end `tollgate history` with a trap (store fuzz target finding).
///
/// Every record type of the store reads its dates this way by conforming to `StoreFetchableRecord`.
///
/// Accepted, as GRDB writes a `Date` (UTC) or SQLite's CURRENT_TIMESTAMP does:
/// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM`, `YYYY-MM-DD HH:MM:SS` and `YYYY-MM-DD HH:MM:SS.F…` (1–9
/// fraction digits), with 'T' for the space; or a number, seconds since 1970. Anything else is
/// not a date, and decoding the record throws.
enum StoredDate {
    static var decoding: DatabaseDateDecodingStrategy { .custom(decode) }

    @Sendable static func decode(_ value: DatabaseValue) -> Date? {
        switch value.storage {
        case .int64, .double:
            guard let seconds = Double.fromDatabaseValue(value), seconds.isFinite else { return nil }
            return Date(timeIntervalSince1970: seconds)
        case .string(let text):
            return hasStoredForm(Array(text.utf8)) ? Date.fromDatabaseValue(value) : nil
        case .null, .blob:
            return nil
        }
    }

    /// The longest form without its fraction: 'D' a digit, anything else itself (' ' or 'T').
    private static let layout = Array("DDDD-DD-DD DD:DD:DD".utf8)

    /// Digits where the form has digits and its separators where it has separators.
    static func hasStoredForm(_ bytes: [UInt8]) -> Bool {
        let length = bytes.count
        guard [10, 16, 19].contains(length) || (21...29).contains(length) else { return false }
        for (index, byte) in bytes.enumerated() {
            let expected = index < layout.count ? layout[index] : (index == 19 ? UInt8(ascii: ".") : UInt8(ascii: "D"))
            switch expected {
            case UInt8(ascii: "D"): guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return false }
            case UInt8(ascii: " "): guard byte == UInt8(ascii: " ") || byte == UInt8(ascii: "T") else { return false }
            default: guard byte == expected else { return false }
            }
        }
        return true
    }
}

/// A record fetched from a store: `FetchableRecord` with its dates read by `StoredDate.decoding`.
/// The refinement's default is the more specialised one, so it is the witness GRDB's generic
/// decoding calls (`StoredDateTests` checks this for every record type).
public protocol StoreFetchableRecord: FetchableRecord {}

extension StoreFetchableRecord {
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { StoredDate.decoding }
}
