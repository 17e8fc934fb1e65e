import Foundation

/// A GGUF or safetensors file that cannot be read or written. The description is one line: the
/// file, what is wrong (with the offset, tensor or key) and what to do about it.
public struct GGUFError: LocalizedError, Sendable, CustomStringConvertible {
    public let file: String
    public let problem: String
    public let fix: String

    public init(file: String, problem: String, fix: String) {
        self.file = file
        self.problem = problem
        self.fix = fix
    }

    public var errorDescription: String? { "\(file): \(problem); \(fix)" }
    public var description: String { errorDescription ?? problem }

    static let corruptFix = "the file is damaged or not a GGUF model; download or convert it again"

    static func corrupt(_ url: URL, _ problem: String) -> GGUFError {
        GGUFError(file: url.path, problem: problem, fix: corruptFix)
    }

    static func truncated(_ url: URL, at offset: Int, reading what: String) -> GGUFError {
        GGUFError(file: url.path, problem: "file ends at byte \(offset) while reading \(what)",
                  fix: "the file is truncated; download or convert it again")
    }
}
