import ArgumentParser
import Foundation
import WhetInference

/// `whet lm score`: per-token negative log-likelihood of a text and the mean.
struct LMScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score", abstract: "Per-token negative log-likelihood of a text, and the mean.")

    @Option(name: .long, help: "The text to score.")
    var text: String?
    @Option(name: .long, help: "Read the text from this file.")
    var textFile: String?
    @OptionGroup var modelOptions: LMModelOptions
    @OptionGroup var output: OutputOptions

    struct Token: Encodable {
        let id: Int32
        let token: String
        let nll: Double
    }

    struct Result: Encodable {
        let tokens: Int
        let meanNLL: Double
        let perplexity: Double
        let perToken: [Token]
    }

    func run() async throws {
        let input = try LMInput.text(text, file: textFile, name: "text")
        let engine = try modelOptions.load()
        let ids = engine.tokenize(input)
        guard ids.count >= 2 else { throw UsageFailure(message: "the text needs at least two tokens to score") }
        let logprobs = try engine.tokenLogprobs(ids)
        let perToken = zip(ids.dropFirst(), logprobs).map {
            Token(id: $0, token: engine.detokenize([$0]), nll: -$1)
        }
        let mean = perToken.reduce(0) { $0 + $1.nll } / Double(perToken.count)
        let result = Result(tokens: ids.count, meanNLL: mean, perplexity: exp(mean), perToken: perToken)
        if output.json { try JSONOutput.print(result) } else {
            for t in perToken { print(String(format: "%6d  %8.4f  ", t.id, t.nll) + String(reflecting: t.token)) }
            print(String(format: "mean NLL %.4f  perplexity %.3f  (%d tokens)", mean, exp(mean), ids.count))
        }
    }
}
