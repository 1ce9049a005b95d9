import ArgumentParser
import Foundation
import WhetCore
import WhetOptimizer
import WhetProviders

/// `whet debug bench-scoring`: examples per second scoring one k-shot candidate on a
/// split, with the shared prefix computed once versus recomputed for every example,
/// alternating runs in one process (scripts/bench-optimize).
struct ScoringBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-scoring", abstract: "Shared-prefix vs per-example scoring speed of one candidate.")
    @Argument(help: "The task file.") var task: String
    @Option(help: "Exemplars in the candidate.") var shots = 4
    @Option(help: "train or dev.") var split = "dev"
    @Option(name: .customLong("repeat"), help: "Timed runs of each mode.") var repetitions = 3
    @Option(help: "Seed for the exemplars.") var seed: UInt64 = 0
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let taskFile = try TaskFileParser.load(task)
        let examples = split == "train" ? taskFile.data.train : taskFile.data.dev
        let box = BackendBox()
        let provider = try ProviderFactory.makeProvider(spec: .embeddedDefault, cache: nil, cachePolicy: .disabled, loadLocal: { path in
            let b = try LlamaEngineBackend(path: try path ?? ModelLocator.defaultGGUF().path)
            box.backend = b
            return b
        })
        guard let backend = box.backend else { throw UsageFailure(message: "bench-scoring needs the in-process engine") }
        let engine = backend.engine
        var rng = SeededGenerator(seed: seed)
        var candidate = Candidate.seed(for: taskFile)
        let labels: [LabelVerbalizer]? = { if case .label(let l) = taskFile.answer { return l } else { return nil } }()
        let sampler = ExemplarSampler(pool: taskFile.data.train, labels: labels)
        candidate.exemplars = labels == nil ? sampler.random(k: shots, words: candidate.answerWords, using: &rng)
            : sampler.balanced(k: shots, words: candidate.answerWords, using: &rng)
        let scorer = CandidateScorer(task: taskFile, provider: provider)

        var shared: [Double] = [], recomputed: [Double] = []
        var sharedScores: [Double] = [], recomputedScores: [Double] = []
        for _ in 0..<repetitions {
            for mode in [true, false] {
                engine.clearPrefixCache()
                engine.prefixCacheEnabled = mode
                let started = Date()
                let (results, _) = try await scorer.score(candidate, on: examples)
                let rate = Double(examples.count) / Date().timeIntervalSince(started)
                if mode { shared.append(rate); sharedScores = results.map(\.score) } else { recomputed.append(rate); recomputedScores = results.map(\.score) }
            }
        }
        engine.prefixCacheEnabled = true
        let prefixTokens = try backend.countTokens(try backend.renderChat(
            PromptLayout(task: taskFile).messages(candidate, fields: examples[0].fields, exemplars: candidate.exemplars)))
        struct Out: Encodable {
            let task: String, split: String, examples: Int, shots: Int, promptTokens: Int
            let sharedPrefix: [Double], recomputed: [Double], ratio: Double, sameScores: Bool
        }
        let out = Out(task: taskFile.name, split: split, examples: examples.count, shots: shots, promptTokens: prefixTokens,
                      sharedPrefix: shared, recomputed: recomputed, ratio: shared.max()! / recomputed.max()!,
                      sameScores: sharedScores == recomputedScores)
        if json { try JSONOutput.print(out); return }
        print(String(format: "%@ %@ (%d examples, %d-shot, %d prompt tokens): shared prefix %.1f ex/s, recomputed %.1f ex/s, %.2fx; same scores: %@",
                     out.task, split, out.examples, shots, prefixTokens, shared.max()!, recomputed.max()!, out.ratio,
                     out.sameScores ? "yes" : "no"))
    }
}

private final class BackendBox: @unchecked Sendable {
    var backend: LlamaEngineBackend?
}
