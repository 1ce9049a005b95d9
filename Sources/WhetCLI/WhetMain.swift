import ArgumentParser
import Foundation
import WhetCore

/// An error the user can act on: printed as `error: ...` with exit code 2.
public struct UsageFailure: Error, LocalizedError {
    public let message: String
    public init(message: String) { self.message = message }
    public var errorDescription: String? { message }
}

/// Runs the command line and maps errors to exit codes: 2 for bad input (our
/// `LocalizedError`s), ArgumentParser's own codes for usage errors, 1 otherwise.
public enum WhetMain {
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
        } catch let error as LocalizedError where isOurs(error) {
            FileHandle.standardError.write(Data("error: \(error.errorDescription ?? "\(error)")\n".utf8))
            return 2
        } catch {
            let code = WhetCommand.exitCode(for: error)
            let message = WhetCommand.fullMessage(for: error)
            if !message.isEmpty {
                let handle = code == .success ? FileHandle.standardOutput : FileHandle.standardError
                handle.write(Data((message + "\n").utf8))
            }
            return code.rawValue
        }
    }

    /// ArgumentParser's own errors also conform to LocalizedError on some platforms;
    /// only errors declared in Whetstone modules get the exit-2 treatment.
    private static func isOurs(_ error: Error) -> Bool {
        String(reflecting: type(of: error)).hasPrefix("Whet")
    }
}
