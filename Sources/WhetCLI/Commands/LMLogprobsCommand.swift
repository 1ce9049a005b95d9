import ArgumentParser
import Foundation
import WhetInference

/// `whet lm logprobs`: the most likely next tokens after a prompt.
struct LMLogprobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logprobs", abstract: "Log-probabilities of the most likely next tokens after a prompt.")

    @Option(name: .long, help: "The prompt text.")
    var prompt: String?
    @Option(name: .long, help: "Read the prompt from this file.")
    var promptFile: String?
    @Option(name: .long, help: "How many next tokens to list.")
    var top = 5
    @Option(name: .long, help: "Instead, score this continuation label (repeatable): total log p of each.")
    var label: [String] = []
    @OptionGroup var modelOptions: LMModelOptions
    @OptionGroup var output: OutputOptions

    struct Entry: Encodable {
        let id: Int32
        let token: String
        let logprob: Double
        let logit: Float
    }

    struct LabelScore: Encodable {
        let label: String
        let tokens: [Int32]
        let logprob: Double
    }

    func validate() throws {
        if top < 1 { throw ValidationError("--top must be >= 1") }
    }

    func run() async throws {
        let text = try LMInput.text(prompt, file: promptFile, name: "prompt")
        let engine = try modelOptions.load()
        let ids = engine.tokenize(text)
        if !label.isEmpty {
            let labelIDs = label.map { engine.tokenize($0) }
            let scores = try engine.scoreContinuations(prompt: ids, continuations: labelIDs)
            let out = zip(zip(label, labelIDs), scores).map { LabelScore(label: $0.0, tokens: $0.1, logprob: $1.total) }
            if output.json { try JSONOutput.print(out) } else {
                for s in out { print(String(format: "%10.4f  %@", s.logprob, s.label)) }
            }
            return
        }
        let entries = try engine.nextTokenLogprobs(prompt: ids, top: top).map {
            Entry(id: $0.id, token: engine.detokenize([$0.id]), logprob: $0.logprob, logit: $0.logit)
        }
        if output.json { try JSONOutput.print(entries) } else {
            for e in entries {
                print(String(format: "%6d  %9.4f  ", e.id, e.logprob) + String(reflecting: e.token))
            }
        }
    }
}
