import Foundation
import WhetCore
import WhetProviders

extension Optimizer {
    /// The finals: the best candidates on the selection examples are scored beside the seed on
    /// dev plus pool examples that took no part in ranking (and that no finalist shows as an
    /// exemplar); one replaces the seed only if a paired test on those examples says it is
    /// better beyond the noise (one-sided, the level split over the finalists). Then the seed
    /// and the chosen prompt are scored once on test.
    func finish(seed: Arm) async throws -> OptimizationSummary {
        phase = "finals"
        await emitProgress()
        let others = arms.filter { $0.ordinal != 0 && !$0.selection.isEmpty }
        let furthest = others.map(\.selection.count).max() ?? 0
        let seedOnSame = seed.selectionScores.prefix(furthest)
        let seedScore = seedOnSame.isEmpty ? 0 : seedOnSame.reduce(0, +) / Double(seedOnSame.count)
        var finalists = Array(Arm.ranked(others.filter { $0.selection.count == furthest && $0.score > seedScore }, by: \.score)
            .prefix(settings.finalists))
        // A readout fitted on every train example has an out-of-sample result on each of them
        // (cross-fitted) and was not picked by rank: it always takes a finals slot (the last,
        // when the ranked ones fill them) and is tested on the selection examples as well.
        if let fitted = others.first(where: { $0.crossFitted != nil }), fitted.selection.count == selection.count,
           !finalists.contains(where: { $0 === fitted }) {
            finalists = Array(finalists.prefix(max(0, settings.finalists - 1))) + [fitted]
        }

        let shown = Set(finalists.flatMap { $0.candidate.exemplars.map(\.id) })
        let extra = confirmationCount == 0 ? [] : Array(sampler.pool.filter { !shown.contains($0.id) }.prefix(confirmationCount))
        var seedConfirmation = try await evaluate(seed, on: dev, split: .dev, force: true)!
        seed.dev = seedConfirmation
        if !finalists.isEmpty && !extra.isEmpty {
            seedConfirmation += try await evaluate(seed, on: extra, split: .train, force: true)!
        }
        var evaluated: [(arm: Arm, test: PairedTest)] = []
        for arm in finalists {
            guard let onDev = try await evaluate(arm, on: dev, split: .dev, force: false) else { continue }
            arm.dev = onDev
            var results = onDev
            var seedScores = seedConfirmation.map(\.score)
            if let heldOut = arm.crossFitted {
                let more = extra.compactMap { heldOut[$0.id] }
                guard more.count == extra.count, seed.selectionScores.count == selection.count else { continue }
                try recorder.recordScores(arm, new: more, split: .train)
                results += more + arm.selection
                seedScores += seed.selectionScores
            } else if !extra.isEmpty {
                guard let more = try await evaluate(arm, on: extra, split: .train, force: false) else { continue }
                results += more
            }
            evaluated.append((arm, PairedTest(challenger: results.map(\.score), seed: seedScores)))
        }
        confirmationSize = seedConfirmation.count
        let alpha = settings.alpha / Double(max(1, evaluated.count))
        let winners = evaluated.filter { $0.test.significant(at: alpha) }.map(\.arm)
        let chosen = Arm.ranked(winners, by: \.devMean).first ?? seed
        let challenger = Arm.ranked(evaluated.map(\.arm), by: \.devMean).first
        let challengerTest = challenger.flatMap { c in evaluated.first { $0.arm === c }?.test }

        phase = "test"
        await emitProgress()
        scorer.unseal()
        seed.test = try await evaluate(seed, on: test, split: .test, force: true)
        if chosen !== seed { chosen.test = try await evaluate(chosen, on: test, split: .test, force: true) }

        let summary = try await summarise(seed: seed, chosen: chosen, significant: chosen !== seed,
                                          challenger: challenger, challengerTest: challengerTest, alpha: alpha)
        try recorder.finish(summary, bestId: chosen.id)
        return summary
    }

    /// Scores an arm on a split with its readout and records it. Nil when the budget does
    /// not allow it (never for `force`d evaluations, whose calls the search kept in reserve).
    func evaluate(_ arm: Arm, on examples: [Example], split: Split, force: Bool) async throws -> [ScoredExample]? {
        let estimate = try scorer.estimate(arm.candidate, on: examples)
        if let reason = account.exceeded(by: estimate), !(force && reason.hasPrefix("time")) {
            if force { throw OptimizerError.internalState("the \(split.rawValue) evaluation the search reserved does not fit (\(reason))") }
            emit(.note("finalist c\(arm.id) not scored on \(split.rawValue): \(reason)"))
            return nil
        }
        let (raw, spend) = try await scorer.score(arm.candidate, on: examples)
        account.add(spend)
        let results = relabel(raw, arm.candidate.readout ?? Readout.seed(labels: scorer.labels ?? []), examples: examples)
        let mean = results.reduce(0) { $0 + $1.score } / Double(max(1, results.count))
        try recorder.recordScores(arm, new: results, split: split, dev: split == .dev ? mean : nil,
                                  test: split == .test ? mean : nil)
        await emitProgress()
        return results
    }

    func summarise(seed: Arm, chosen: Arm, significant: Bool, challenger: Arm?, challengerTest: PairedTest?,
                   alpha: Double) async throws -> OptimizationSummary {
        func outcome(_ arm: Arm) -> OptimizationSummary.Outcome {
            OptimizationSummary.Outcome(candidate: arm.id, operatorName: arm.operatorName,
                                        dev: SplitScore(scores: (arm.dev ?? []).map(\.score)),
                                        test: SplitScore(scores: (arm.test ?? []).map(\.score)),
                                        prompt: PromptExport.text(arm.candidate, task: task), spec: arm.candidate)
        }
        let (calls, hits) = await ledgerCounts()
        let verdict: String
        if significant, let t = challengerTest, challenger === chosen {
            verdict = String(format: "significant gain: %+.3f over the seed on %d dev and held-out train examples "
                             + "(paired, one-sided p = %.4f < %.4f); chosen: %@",
                             t.meanDifference, t.count, t.pValue, alpha, chosen.operatorName)
        } else if significant {
            verdict = "significant gain on dev over the seed; chosen: \(chosen.operatorName)"
        } else if let c = challenger, let t = challengerTest {
            verdict = String(format: "no significant gain: the best finalist (%@) scored %+.3f against the seed on %d dev "
                             + "and held-out train examples, one-sided p = %.3f (needs < %.4f); the seed prompt stays",
                             c.operatorName, t.meanDifference, t.count, t.pValue, alpha)
        } else {
            verdict = "no significant gain: no candidate beat the seed on the selection examples; the seed prompt stays"
        }
        var summary = OptimizationSummary(
            run: runId, task: task.name, model: models.task.modelName, seed: outcome(seed), best: outcome(chosen),
            significant: significant, challengerGain: challengerTest?.meanDifference, challengerPValue: challengerTest?.pValue,
            candidates: arms.count, requests: account.spent.calls, calls: calls, cacheHits: hits, tokens: account.spent.tokens,
            costUSD: account.spent.costUSD, seconds: account.seconds, stopReason: stopReason ?? "plan complete", verdict: verdict)
        summary.compression = scorer.compressionTally
        return summary
    }
}
