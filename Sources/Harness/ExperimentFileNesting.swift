/// Yams builds nodes recursively, so a file nested tens of thousands of levels deep (`[[[[…` or
/// `- - - - …`) would overflow the stack before any error could be reported. This scan bounds the
/// nesting from above, cheaply and without parsing: unclosed flow brackets plus, per line, the
/// indentation and the compact `- ` / `? ` indicators that open a level each. It ignores quoting on
/// purpose — a bracket inside a string can only overestimate, and experiment files need a handful
/// of levels.
enum ExperimentFileNesting {
    static let maximumDepth = 128

    /// The 1-based line where the estimated depth first exceeds `maximumDepth`, or nil.
    static func lineExceedingDepth(in yaml: String) -> Int? {
        var line = 1
        var openBrackets = 0
        var atLineStart = true
        var lineLevels = 0
        for byte in yaml.utf8 {
            switch byte {
            case UInt8(ascii: "\n"):
                line += 1
                atLineStart = true
                lineLevels = 0
            case UInt8(ascii: " ") where atLineStart:
                lineLevels += 1
            case UInt8(ascii: "-"), UInt8(ascii: "?"):
                // An indicator followed by a space at the start of a line opens a level; counting every
                // such byte at line start is an upper bound.
                if atLineStart { lineLevels += 1 }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                openBrackets += 1
                atLineStart = false
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                openBrackets = max(0, openBrackets - 1)
                atLineStart = false
            default:
                atLineStart = false
            }
            if openBrackets + lineLevels > maximumDepth { return line }
        }
        return nil
    }
}
