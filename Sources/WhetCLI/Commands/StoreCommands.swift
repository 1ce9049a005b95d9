import ArgumentParser

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List optimization runs.")
    func run() async throws {}
}

struct LineageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lineage", abstract: "Print a run's candidate lineage.")
    @Argument var run: String
    func run() async throws {}
}

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "validate", abstract: "Check task, prompt and judge files.")
    @Argument var files: [String]
    func run() async throws {}
}
