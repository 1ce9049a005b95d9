import ArgumentParser
import Foundation
import WhetCore
import WhetJudging
import WhetProviders

/// `whet debug bench-judging`: pairs per second judging fixed pairs in both orders with the engine's
/// prefix cache (prompts sharing the judge template's head reuse its KV) versus without it,
/// alternating runs in one process, no response cache (scripts/bench-judging).
struct JudgingBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-judging", abstract: "Judging speed with and without the prefix cache.")
    @Argument(help: "The pairs file (JSON Lines: input, output_1, output_2).") var pairs: String
    @Option(help: "The judge file.") var judge = "judges/pairwise.yaml"
    @Option(help: "Pairs judged at once (the local engine batches them).") var parallel = 4
    @Option(name: .customLong("repeat"), help: "Timed runs of each mode.") var repetitions = 2
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let list = try PairsFile.load(pairs)
        let file = try JudgeFile.load(judge)
        let provider = try ProviderFactory.makeProvider(spec: .embeddedDefault, cache: nil, cachePolicy: .disabled)
        guard let engine = EngineScorer.of(provider)?.engine else { throw UsageFailure(message: "bench-judging needs the in-process engine") }
        let pairJudge = try JudgeFactory.make(file, provider: provider)
        var cached: [Double] = [], uncached: [Double] = []
        var cachedVerdicts: [Int] = [], uncachedVerdicts: [Int] = []
        for _ in 0..<repetitions {
            for mode in [true, false] {
                engine.clearPrefixCache()
                engine.prefixCacheEnabled = mode
                let result = try await FixedPairsJudging.run(list, judge: pairJudge, parallelism: parallel)
                if mode { cached.append(result.pairsPerSecond); cachedVerdicts = result.pairs.map(\.verdict) }
                else { uncached.append(result.pairsPerSecond); uncachedVerdicts = result.pairs.map(\.verdict) }
            }
        }
        engine.prefixCacheEnabled = true
        struct Out: Encodable {
            let judge: String, pairs: Int, prefixCache: [Double], noPrefixCache: [Double], ratio: Double, sameVerdicts: Bool
        }
        let out = Out(judge: file.name, pairs: list.count, prefixCache: cached, noPrefixCache: uncached,
                      ratio: cached.max()! / uncached.max()!, sameVerdicts: cachedVerdicts == uncachedVerdicts)
        if json { try JSONOutput.print(out); return }
        print(String(format: "%@ on %d pairs, both orders: prefix cache %.2f pairs/s, none %.2f pairs/s, %.2fx; same verdicts: %@",
                     out.judge, out.pairs, cached.max()!, uncached.max()!, out.ratio, out.sameVerdicts ? "yes" : "no"))
    }
}
