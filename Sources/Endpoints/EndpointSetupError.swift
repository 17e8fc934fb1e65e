import Foundation

/// An endpoint definition that cannot be used as written (exit 2 at the command line): the key's
/// variable is unset, the URL is not http(s), a limit is out of range. The message names the
/// endpoint and the fix, never a secret's value.
public struct EndpointSetupError: Error, LocalizedError, Sendable, Equatable {
    public var endpoint: String
    public var problem: String

    public init(endpoint: String, problem: String) {
        self.endpoint = endpoint
        self.problem = problem
    }

    public var errorDescription: String? { "endpoint \(endpoint): \(problem)" }
}
