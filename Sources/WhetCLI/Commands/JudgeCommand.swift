import ArgumentParser
import Foundation
import WhetCore
import WhetJudging

/// `whet judge PAIRS.jsonl`: judges fixed pairs in both orders, and measures agreement with labels.
struct JudgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judge",
        abstract: "Judge fixed pairs of outputs in both orders; agreement with human labels where given.",
        discussion: """
            PAIRS.jsonl holds one JSON object a line: input (the instruction, with any input appended), \
            output_1, output_2, and optionally label (1, 2, or 0 for a tie) and reference. This is how to \
            measure a judge before trusting it.
            """)

    @Argument(help: "The pairs file (JSON Lines).") var pairs: String
    @Option(help: "The judge file (default: judges/local.yaml).") var judge: String?
    @Option(name: .customLong("judge-model"), help: "The judge's model: local, a .gguf path, openai:NAME, URL#NAME.")
    var judgeModel: String?
    @Option(help: "Write every pair's raw signals (the inputs of a signals judge) to this JSON Lines file and stop.")
    var signals: String?
    @Option(name: .customLong("clip-tokens"), help: "With --signals: tokens kept of the instruction and each output.")
    var clipTokens = 200
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let list = try PairsFile.load(pairs)
        if let signals {
            try await JudgeSignalsDump.run(pairs: list, output: signals, model: try judgeModel.map { try ModelSpec.parse($0, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) }, clipTokens: clipTokens,
                                           progress: { event in
                if case .stage(let name, let done, let total) = event {
                    FileHandle.standardError.write(Data("\r\(name) \(done)/\(total)".utf8))
                }
            })
            return
        }
        throw UsageFailure(message: "whet judge: judging is not wired yet")
    }
}
