import Foundation

/// Invalid input to a metric or to `tollgate score`.
public enum MetricsError: LocalizedError, Equatable {
    case referenceCountMismatch(referenceSet: Int, referenceLines: Int, hypothesisLines: Int)
    case lineCountMismatch(hypothesisFile: String, hypothesisLines: Int, referenceFile: String, referenceLines: Int)
    case invalidUTF8(file: String, line: Int)
    case unreadableFile(file: String, reason: String)
    case noReferences
    case noReferencesForSegment(Int)
    case invalidOption(String)

    public var errorDescription: String? {
        switch self {
        case let .referenceCountMismatch(set, referenceLines, hypothesisLines):
            return "reference set \(set + 1) has \(referenceLines) segments but there are \(hypothesisLines) hypotheses; give one reference per hypothesis in every set"
        case let .lineCountMismatch(hypothesisFile, hypothesisLines, referenceFile, referenceLines):
            return "\(hypothesisFile) has \(hypothesisLines) lines but \(referenceFile) has \(referenceLines); give one segment per line in both files"
        case let .invalidUTF8(file, line):
            return "\(file):\(line) is not valid UTF-8; re-encode the file as UTF-8"
        case let .unreadableFile(file, reason):
            return "cannot read \(file): \(reason)"
        case .noReferences:
            return "no reference set was given; pass at least one set of references"
        case let .noReferencesForSegment(segment):
            return "segment \(segment + 1) has no reference; give every example at least one reference"
        case let .invalidOption(message):
            return message
        }
    }
}
