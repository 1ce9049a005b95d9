import Foundation
@testable import WhetCLI

/// Runs a command line inside the test process (no binary, no subprocess), capturing its output.
enum InProcess {
    struct Result { let status: Int32; let stdout: String; let stderr: String }

    static func run(_ args: [String]) async -> Result {
        let console = Console(capture: true)
        let status = await WhetMain.run(args, console: console)
        return Result(status: status, stdout: console.standardOutput, stderr: console.standardError)
    }
}

/// A path under the repository, for commands run in process (whose working directory is not the checkout).
func repoPath(_ relative: String) -> String { repoRoot.appendingPathComponent(relative).path }
