import ArgumentParser

/// Commands whose issue has not landed yet: they say so and exit 2, so scripts
/// never mistake a missing feature for a result.
struct NotLanded: Error, CustomStringConvertible {
    let command: String
    let issue: String
    var description: String { "whet \(command): not available yet (\(issue) has not landed)" }
}

func notLanded(_ command: String, _ issue: String) -> Error {
    UsageFailure(message: NotLanded(command: command, issue: issue).description)
}

struct OptimizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize", abstract: "Optimize a prompt for a task file (not landed yet).")
    @Argument(help: "The task file.") var task: String?
    @Flag(help: "Print machine-readable JSON.") var json = false
    func run() async throws { throw notLanded("optimize", "the optimizer issue") }
}

struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare", abstract: "Compare two prompts head-to-head (not landed yet).")
    @Argument var prompts: [String] = []
    @Option var task: String?
    @Flag(help: "Print machine-readable JSON.") var json = false
    func run() async throws { throw notLanded("compare", "the comparison issue") }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export a run's best prompt (not landed yet).")
    @Argument var run: String?
    func run() async throws { throw notLanded("export", "the optimizer issue") }
}


