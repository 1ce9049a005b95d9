import ArgumentParser
import Foundation
import WhetInference

/// `whet lm generate`: continue a prompt (tokens parsed with specials, no BOS).
struct LMGenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Generate a continuation of a prompt.")

    @Option(name: .long, help: "The prompt text (special tokens such as <|im_start|> are recognised).")
    var prompt: String?
    @Option(name: .long, help: "Read the prompt from this file.")
    var promptFile: String?
    @Option(name: .long, help: "Tokens to generate at most.")
    var maxTokens = 128
    @Option(name: .long, help: "0 is greedy.")
    var temperature: Float = 0
    @Option(name: .long, help: "Keep the k most likely tokens (0: all).")
    var topK = 0
    @Option(name: .long, help: "Nucleus sampling mass.")
    var topP: Float = 1
    @Option(name: .long, help: "Sampling seed.")
    var seed: UInt64 = 0
    @Option(name: .long, help: "Extra stop token id (repeatable); the model's end-of-generation ids always stop.")
    var stopToken: [Int32] = []
    @Option(name: .long, help: "Generate this many sequences together (batched decoding).")
    var n = 1
    @OptionGroup var modelOptions: LMModelOptions
    @OptionGroup var output: OutputOptions

    struct Result: Encodable {
        let text: String
        let tokens: [Int32]
        let finishReason: FinishReason
        let promptTokens: Int
        let seconds: Double
        let tokensPerSecond: Double
    }

    func validate() throws {
        if maxTokens < 0 { throw ValidationError("--max-tokens must be >= 0") }
        if temperature < 0 { throw ValidationError("--temperature must be >= 0") }
        if !(topP > 0 && topP <= 1) { throw ValidationError("--top-p must be in (0, 1]") }
        if n < 1 { throw ValidationError("--n must be >= 1") }
    }

    func run() async throws {
        let text = try LMInput.text(prompt, file: promptFile, name: "prompt")
        let engine = try modelOptions.load()
        let ids = engine.tokenize(text)
        let stops = engine.tokenizer.eogTokenIDs.union(stopToken)
        let requests = (0..<n).map { i in
            GenerationRequest(prompt: ids, maxTokens: maxTokens,
                              sampling: SamplingOptions(temperature: temperature, topK: topK, topP: topP,
                                                        seed: seed &+ UInt64(i)),
                              stopTokens: stops)
        }
        let start = Date()
        // One sequence takes `generate`, llama.cpp's arithmetic (its greedy continuations
        // token for token); several decode together in the batch arithmetic
        // (EngineOptions.decodeArithmetic).
        let results = n == 1 ? [try engine.generate(requests[0])] : try engine.generateBatch(requests)
        let seconds = Date().timeIntervalSince(start)
        let total = results.reduce(0) { $0 + $1.tokens.count }
        let out = results.map {
            Result(text: engine.detokenize($0.tokens), tokens: $0.tokens, finishReason: $0.finishReason,
                   promptTokens: $0.promptTokenCount, seconds: seconds,
                   tokensPerSecond: Double(total) / max(seconds, 1e-9))
        }
        if output.json {
            if out.count == 1 { try JSONOutput.print(out[0]) } else { try JSONOutput.print(out) }
        } else {
            for r in out { print(r.text) }
        }
    }
}
