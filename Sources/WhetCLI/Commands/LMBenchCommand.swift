import ArgumentParser
import Foundation
import WhetInference

/// `whet lm bench`: prompt processing, decoding, batched decoding, prefix-cache
/// hit and memory, on the same workloads scripts/bench-lm gives llama.cpp.
struct LMBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure prompt processing, decoding, batched decoding and prefix-cache speed.")

    @Option(name: .long, help: "Prompt length for prompt processing.")
    var promptTokens = 512
    @Option(name: .long, help: "Tokens decoded per sequence.")
    var decodeTokens = 128
    @Option(name: .long, help: "Sequences decoded together.")
    var batch = 8
    @Option(name: .long, help: "Timed repetitions (the best is reported).")
    var `repeat` = 3
    @OptionGroup var modelOptions: LMModelOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if promptTokens < 1 { throw ValidationError("--prompt-tokens must be >= 1") }
        if decodeTokens < 1 { throw ValidationError("--decode-tokens must be >= 1") }
        if batch < 1 { throw ValidationError("--batch must be >= 1") }
        if `repeat` < 1 { throw ValidationError("--repeat must be >= 1") }
    }

    func run() async throws {
        let start = Date()
        let engine = try modelOptions.load()
        let load = Date().timeIntervalSince(start)
        let r = try EngineBenchmark.run(engine: engine, promptTokens: promptTokens, decodeTokens: decodeTokens,
                                        batch: batch, loadSeconds: load, repeats: `repeat`)
        if output.json { try JSONOutput.print(r) } else {
            print(String(format: "prompt processing (%d tokens)  %8.1f tok/s", r.promptTokens, r.promptTokensPerSecond))
            print(String(format: "decode (1 sequence)             %8.1f tok/s", r.decodeTokensPerSecond))
            print(String(format: "decode (1 sequence, batch path) %8.1f tok/s", r.batchOfOneTokensPerSecond))
            print(String(format: "decode (%d sequences, summed)    %8.1f tok/s (%.2fx the faster single)", r.batchSequences,
                         r.batchDecodeTokensPerSecond, r.batchSpeedup))
            print(String(format: "prefix cache %d+%d: cold %.3f s, hit %.3f s (%.1fx)", r.prefixCachedTokens,
                         r.prefixSuffixTokens, r.prefixColdSeconds, r.prefixHitSeconds, r.prefixSpeedup))
            print(String(format: "resident memory %.0f MB, load %.2f s", r.residentMegabytes, r.loadSeconds))
        }
    }
}
