import ArgumentParser
import Foundation
import WhetCore

/// An error the user can act on: printed as `error: ...` with exit code 2.
public struct UsageFailure: UserFacingError {
    public let message: String
    public init(message: String) { self.message = message }
    public var errorDescription: String? { message }
}

/// Runs the command line and maps errors to exit codes: 2 for bad input (`UserFacingError`s),
/// ArgumentParser's own codes for usage errors, 1 otherwise.
public enum WhetMain {
    /// Runs one command line, writing to `console` (tests pass a capturing one).
    public static func run(_ arguments: [String]? = nil, console: Console) async -> Int32 {
        await Console.$current.withValue(console) { await run(arguments) }
    }

    public static func run(_ arguments: [String]? = nil) async -> Int32 {
        do {
            var command = try WhetCommand.parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let code as ExitCode {
            return code.rawValue
        } catch let error as UserFacingError {
            printError("error: \(error.errorDescription ?? "\(error)")")
            return 2
        } catch {
            let code = WhetCommand.exitCode(for: error)
            let message = WhetCommand.fullMessage(for: error)
            if !message.isEmpty {
                if code == .success { print(message) } else { printError(message) }
            }
            return code.rawValue
        }
    }
}
