import ArgumentParser

struct LMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lm", abstract: "Run the in-process language model (not landed yet).")
    func run() async throws { throw notLanded("lm", "issue 3") }
}
