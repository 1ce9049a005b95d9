import Foundation
import WhetCore
import WhetStore

extension JudgedOptimizer {
    /// The finals: the last incumbent against the seed on dev (a one-sided sign test over the
    /// pairs the judge did not tie); it is chosen only if significant. Then the seed and the
    /// chosen prompt write their test outputs and, when they differ, are judged once.
    func finish(seed: Arm, incumbent: Arm) async throws -> OptimizationSummary {
        emit(.stage(name: "finals", done: rounds, total: rounds))
        let seedDev = try await generate(seed, on: dev)
        var chosen = seed
        var pValue: Double?, gain: Double?
        if incumbent !== seed {
            let mine = try await generate(incumbent, on: dev)
            let judged = try await compare(mine, seedDev, on: dev)
            let wins = judged.filter { $0.verdict == .a }.count, losses = judged.filter { $0.verdict == .b }.count
            let p = PairedTest.signTestUpper(wins: wins, trials: wins + losses)
            pValue = p
            gain = judged.map(\.scoreA).reduce(0, +) / Double(max(1, judged.count)) - 0.5
            incumbent.dev = Self.scored(mine, judged.map(\.scoreA))
            seed.dev = Self.scored(seedDev, judged.map { 1 - $0.scoreA })
            try record(incumbent, split: .dev)
            if wins > losses && p < settings.alpha { chosen = incumbent }
        } else {
            seed.dev = Self.scored(seedDev, seedDev.map { _ in 0.5 })
        }
        try record(seed, split: .dev)

        emit(.stage(name: "test", done: rounds, total: rounds))
        scorer.unseal()
        let seedTest = try await generate(seed, on: test)
        if chosen !== seed {
            let mine = try await generate(chosen, on: test)
            let judged = try await compare(mine, seedTest, on: test)
            chosen.test = Self.scored(mine, judged.map(\.scoreA))
            seed.test = Self.scored(seedTest, judged.map { 1 - $0.scoreA })
            try record(chosen, split: .test)
        } else {
            seed.test = Self.scored(seedTest, seedTest.map { _ in 0.5 })
        }
        try record(seed, split: .test)
        await emitSpend()

        let verdict: String
        if chosen !== seed, let p = pValue {
            verdict = String(format: "significant gain: the judge preferred the chosen prompt (%@) to the seed on %d dev inputs, "
                             + "win rate %.3f (one-sided sign test p = %.4f < %.2f)", chosen.operatorName, dev.count,
                             0.5 + (gain ?? 0), p, settings.alpha)
        } else if let p = pValue {
            verdict = String(format: "no significant gain: the last incumbent (%@) won %.3f of its dev comparisons with the seed "
                             + "(one-sided sign test p = %.3f, needs < %.2f); the seed prompt stays",
                             incumbent.operatorName, 0.5 + (gain ?? 0), p, settings.alpha)
        } else {
            verdict = "no significant gain: no challenger beat the seed in a round; the seed prompt stays"
        }
        func outcome(_ arm: Arm) -> OptimizationSummary.Outcome {
            OptimizationSummary.Outcome(candidate: arm.id, operatorName: arm.operatorName,
                                        dev: SplitScore(scores: (arm.dev ?? []).map(\.score)),
                                        test: SplitScore(scores: (arm.test ?? []).map(\.score)),
                                        prompt: PromptExport.text(arm.candidate, task: task), spec: arm.candidate)
        }
        var calls = 0, hits = 0
        var seen = Set<ObjectIdentifier>()
        for ledger in models.ledgers where seen.insert(ObjectIdentifier(ledger)).inserted {
            calls += await ledger.spentCalls
            hits += await ledger.cacheHits
        }
        var summary = OptimizationSummary(
            run: runId, task: task.name, model: models.task.modelName, seed: outcome(seed), best: outcome(chosen),
            significant: chosen !== seed, challengerGain: gain, challengerPValue: pValue, candidates: arms.count,
            requests: account.spent.calls, calls: calls, cacheHits: hits, tokens: account.spent.tokens,
            costUSD: account.spent.costUSD, seconds: account.seconds, stopReason: stopReason ?? "plan complete", verdict: verdict)
        summary.compression = scorer.compressionTally
        try recorder.finish(summary, bestId: chosen.id)
        return summary
    }

    static func scored(_ outputs: [ScoredExample], _ scores: [Double]) -> [ScoredExample] {
        zip(outputs, scores).map { output, score in
            var copy = output
            copy.score = score
            return copy
        }
    }

    func record(_ arm: Arm, split: Split) throws {
        let results = (split == .dev ? arm.dev : arm.test) ?? []
        let mean = results.map(\.score).reduce(0, +) / Double(max(1, results.count))
        try recorder.recordScores(arm, new: results, split: split, dev: split == .dev ? mean : nil, test: split == .test ? mean : nil)
    }
}
