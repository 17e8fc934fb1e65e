import ArgumentParser
import Foundation
import Harness

/// Runs a command body; any library error (bad model, data, config or store) becomes one line on
/// stderr and exit code 2, as the command-line contract promises, and an infrastructure failure
/// (an endpoint unreachable or failing past its retries, a quota or budget reached) exit code 3:
/// no decision. Exit codes thrown on purpose (0 GO, 1 NO-GO) pass through unchanged.
func reportingInvalidInput<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let exit as ExitCode {
        throw exit
    } catch let error as CleanExit {
        throw error
    } catch let failure as InfrastructureFailure {
        printError(failure.message)
        throw ExitCode(3)
    } catch {
        printError(describe(error))
        throw ExitCode(2)
    }
}

/// One line for an error: its `LocalizedError` description when it has one.
func describe(_ error: Error) -> String {
    if let localized = error as? LocalizedError, let description = localized.errorDescription {
        return description
    }
    return String(describing: error)
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("tollgate: \(message)\n".utf8))
}

/// Writes text to stdout without Swift's buffered `print` interleaving with stderr.
func printOutput(_ text: String) {
    FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}
