/// Credentials inside URLs that have a scheme (`https://`, `ftp://`, `postgres://`, …):
/// - the user information before `@` in the authority (`https://ann:s3cret@host/` → `https://<URL_CREDENTIALS_1>@host/`);
/// - the value of a query parameter whose name says it is a secret (`token`, `access_token`,
///   `api_key`, `apikey`, `key`, `password`, `passwd`, `pwd`, `secret`, `client_secret`, `auth`,
///   `sig`, `signature`, case-insensitive): `?token=abc123` → `?token=<URL_CREDENTIALS_1>`.
/// The host, path and other parameters stay readable.
///
/// Misses: secrets in a URL's path (webhook URLs such as `/services/T0/B0/XYZ`) or fragment,
/// parameters with other names, and URLs without a scheme (`ann:pw@host.example` is then seen
/// as the email address `pw@host.example`).
struct URLCredentialsDetector: Detector {
    let kind = RedactionKind.urlCredentials

    static let secretParameters: Set<String> = [
        "token", "access_token", "api_key", "apikey", "key", "password", "passwd", "pwd", "secret", "client_secret",
        "auth", "sig", "signature",
    ]

    /// Bytes that end a URL in running text.
    static func endsURL(_ byte: UInt8) -> Bool {
        byte <= ASCII.space || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "<")
            || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "`") || byte >= 0x7F
    }

    func ranges(in bytes: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var index = 0
        while index + 2 < bytes.count {
            guard bytes[index] == ASCII.colon, bytes[index + 1] == ASCII.slash, bytes[index + 2] == ASCII.slash,
                  hasScheme(bytes, before: index) else {
                index += 1
                continue
            }
            var end = index + 3
            while end < bytes.count, !Self.endsURL(bytes[end]) { end += 1 }
            found += credentials(in: bytes, authorityStart: index + 3, urlEnd: end)
            index = end
        }
        return found
    }

    private func hasScheme(_ bytes: [UInt8], before colon: Int) -> Bool {
        var start = colon
        while start > 0, let byte = bytes.byte(at: start - 1),
              ASCII.isAlphanumeric(byte) || byte == ASCII.plus || byte == ASCII.minus || byte == ASCII.dot { start -= 1 }
        return start < colon && ASCII.isLetter(bytes[start])
    }

    private func credentials(in bytes: [UInt8], authorityStart: Int, urlEnd: Int) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var authorityEnd = authorityStart
        while authorityEnd < urlEnd, ![UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#")].contains(bytes[authorityEnd]) {
            authorityEnd += 1
        }
        if let at = bytes[authorityStart..<authorityEnd].lastIndex(of: ASCII.at), at > authorityStart {
            found.append(authorityStart..<at)
        }
        guard let question = bytes[authorityEnd..<urlEnd].firstIndex(of: UInt8(ascii: "?")) else { return found }
        var parameterStart = question + 1
        while parameterStart < urlEnd {
            var parameterEnd = parameterStart
            while parameterEnd < urlEnd, bytes[parameterEnd] != UInt8(ascii: "&"), bytes[parameterEnd] != UInt8(ascii: "#") {
                parameterEnd += 1
            }
            if let equals = bytes[parameterStart..<parameterEnd].firstIndex(of: UInt8(ascii: "=")) {
                let name = String(decoding: bytes[parameterStart..<equals].map(ASCII.lowercased), as: UTF8.self)
                var valueEnd = parameterEnd
                // A sentence's closing punctuation is not part of the value.
                while valueEnd > equals + 1, [ASCII.dot, ASCII.comma, UInt8(ascii: ";"), UInt8(ascii: ")"), UInt8(ascii: "!")]
                    .contains(bytes[valueEnd - 1]) { valueEnd -= 1 }
                if Self.secretParameters.contains(name), valueEnd > equals + 1 { found.append((equals + 1)..<valueEnd) }
            }
            if parameterEnd < urlEnd, bytes[parameterEnd] == UInt8(ascii: "#") { break }
            parameterStart = parameterEnd + 1
        }
        return found
    }

    func identity(of bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
}
