/// A header value from an endpoint definition, where `${VAR}` stands for an environment variable's
/// value (`cf-aig-authorization: "Bearer ${CF_AIG_TOKEN}"`), so secrets stay out of experiment files.
/// `$` not followed by `{` is kept as written.
public struct HeaderTemplate: Sendable, Equatable {
    enum Piece: Sendable, Equatable {
        case literal(String)
        case variable(String)
    }

    let pieces: [Piece]

    /// Nil when a `${` is not closed or names no variable (letters, digits and `_`).
    public init?(_ text: String) {
        var pieces: [Piece] = []
        var rest = Substring(text)
        while let dollar = rest.range(of: "${") {
            if dollar.lowerBound > rest.startIndex { pieces.append(.literal(String(rest[..<dollar.lowerBound]))) }
            guard let close = rest[dollar.upperBound...].firstIndex(of: "}") else { return nil }
            let name = rest[dollar.upperBound..<close]
            guard !name.isEmpty, name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else { return nil }
            pieces.append(.variable(String(name)))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { pieces.append(.literal(String(rest))) }
        self.pieces = pieces
    }

    /// The variables it reads, in order.
    public var variables: [String] {
        pieces.compactMap { if case .variable(let name) = $0 { return name } else { return nil } }
    }

    /// The value with every variable replaced (an unset one by nothing; the client refuses those
    /// when it is made).
    public func expand(_ environment: [String: String]) -> String {
        pieces.map { piece in
            switch piece {
            case .literal(let text): return text
            case .variable(let name): return environment[name] ?? ""
            }
        }.joined()
    }
}
