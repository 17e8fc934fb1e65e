/// ISO 13616 IBANs: the length each country uses and the mod-97 check. The check letters-to-digits
/// step (A = 10 … Z = 35) and the rotation of the first four characters to the end follow the
/// standard; a valid IBAN leaves remainder 1.
public enum IBANChecksum {
    /// IBAN length by country code (SWIFT's IBAN registry); countries not listed are not recognised.
    public static let lengths: [String: Int] = [
        "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
        "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24,
        "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21,
        "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
        "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27,
        "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24,
        "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TN": 24, "TR": 26, "UA": 29,
        "VA": 22, "VG": 24, "XK": 20,
    ]

    /// True when `iban` (uppercase letters and digits, no spaces) has its country's length and
    /// passes mod 97.
    public static func isValid(_ iban: String) -> Bool {
        let characters = Array(iban.utf8)
        guard characters.count >= 5, ASCII.isLetter(characters[0]), ASCII.isLetter(characters[1]),
              ASCII.isDigit(characters[2]), ASCII.isDigit(characters[3]),
              lengths[String(decoding: characters[0..<2], as: UTF8.self)] == characters.count else { return false }
        return remainder(characters) == 1
    }

    /// The IBAN's remainder mod 97, computed digit by digit so no big integers are needed.
    static func remainder(_ characters: [UInt8]) -> Int {
        var remainder = 0
        for byte in characters[4...] + characters[0..<4] {
            if ASCII.isDigit(byte) {
                remainder = (remainder * 10 + ASCII.digitValue(byte)) % 97
            } else if ASCII.isLetter(byte) {
                remainder = (remainder * 100 + Int(ASCII.uppercased(byte)) - 55) % 97
            } else {
                return -1
            }
        }
        return remainder
    }

    /// The two check digits that make `country` + check + `bban` valid (for building test data).
    public static func checkDigits(country: String, bban: String) -> String {
        let value = 98 - remainder(Array((country + "00" + bban).utf8))
        return value < 10 ? "0\(value)" : "\(value)"
    }
}
