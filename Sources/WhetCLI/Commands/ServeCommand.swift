import ArgumentParser

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve the local model over an OpenAI-compatible API (not landed yet).")
    func run() async throws { throw notLanded("serve", "issue 5") }
}
