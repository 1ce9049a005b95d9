import ArgumentParser

struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed", abstract: "Sentence embeddings and clustering (not landed yet).")
    func run() async throws { throw notLanded("embed", "issue 4") }
}
