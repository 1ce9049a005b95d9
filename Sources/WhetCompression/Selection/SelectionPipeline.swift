import Foundation

/// The two modes' selection steps over one ranked layout.
///
/// Token mode: a coarse sentence filter to `coarseFactor` x the target, the most
/// relevant sentences kept whole (up to `verbatimShare` of the budget, with a
/// question), per-document keep rates by relevance, the surprisal stage, then the
/// budget controller. Sentence mode: whole sentences by score to the target, then the
/// budget controller over sentences.
struct SelectionPipeline {
    let model: any CompressionScoringModel
    let layout: TextLayout
    let alignment: TokenAlignment
    let ranking: RelevanceRanker.Ranking
    let question: String?
    let tuning: CompressionTuning
    let target: Int
    let count: ([Bool]) -> Int

    private var selector: SentenceSelector { SentenceSelector(layout: layout, alignment: alignment) }

    private func tokens(_ units: some Sequence<Int>) -> Int { units.reduce(0) { $0 + alignment.tokenCount(ofUnit: $1) } }

    // MARK: - Sentence mode

    func sentenceMode() -> [Bool] {
        let selector = self.selector
        let chosen = selector.select(scores: ranking.sentence, budget: target, exact: true)
        var keep = mask(sentences: chosen)
        let current = count(keep)
        if Double(current) < 0.9 * Double(target) {
            for u in selector.partialFill(chosen: chosen, scores: ranking.sentence, room: target - current,
                                          alignment: alignment) { keep[u] = true }
        }
        let order = ranking.sentence.indices.sorted { ranking.sentence[$0] > ranking.sentence[$1] }
        let groups = order.map { s in
            BudgetController.Group(units: Array(layout.sentences[s].units), tokens: selector.sentenceTokens[s])
        }
        let removable = groups.reversed().filter { g in
            !layout.sentences[layout.units[g.units[0]].sentence].forced && g.units.contains { keep[$0] }
        }
        let addable = groups.filter { g in g.units.contains { !keep[$0] } }
        _ = BudgetController(target: target).correct(keep: &keep, removable: Array(removable), addable: addable,
                                                     count: count)
        return keep
    }

    private func mask(sentences chosen: [Bool]) -> [Bool] {
        var keep = [Bool](repeating: false, count: layout.units.count)
        for (s, c) in chosen.enumerated() where c { for u in layout.sentences[s].units { keep[u] = true } }
        return keep
    }

    // MARK: - Token mode

    func tokenMode(stats: inout CompressionStats, progress: (Int, Int) -> Void) throws -> [Bool] {
        let selector = self.selector
        let coarseBudget = Int((tuning.coarseFactor * Double(target)).rounded())
        let chosen = selector.select(scores: ranking.sentence, budget: coarseBudget, exact: false)
        let verbatim = verbatimSentences(chosen: chosen, tokens: selector.sentenceTokens)
        let units = layout.units
        var forced = [Bool](repeating: false, count: units.count)
        var whole = [Bool](repeating: false, count: units.count)
        var candidates: [Int] = []
        for (s, sentence) in layout.sentences.enumerated() where chosen[s] {
            for u in sentence.units {
                candidates.append(u)
                forced[u] = units[u].protection != .none || verbatim[s]
                whole[u] = verbatim[s]
            }
        }
        for u in units.indices where units[u].protection == .always { forced[u] = true }

        // Per-document rates for the free tokens, wider apart with a question.
        var free = [Int](repeating: 0, count: layout.blocks.count)
        var forcedTokens = 0
        for u in candidates {
            let t = alignment.tokenCount(ofUnit: u)
            if forced[u] { forcedTokens += t } else { free[block(u)] += t }
        }
        let rank = DynamicRatio.ranks(ranking.block)
        let blockRate = DynamicRatio.rates(free: free, rank: rank, spread: question == nil ? 0 : tuning.dynamicRatio,
                                           budget: Double(target - forcedTokens))
        let contrastiveBlocks = contrastive(free: free, rank: rank)
        let rate = units.indices.map { blockRate[block($0)] }
        let contrastive = units.indices.map { contrastiveBlocks[block($0)] }

        var keep = [Bool](repeating: false, count: units.count)
        let questionTokens = question.map { model.encode("Question: " + $0 + "\n") }
        let stage = SurprisalStage(model: model, layout: layout, alignment: alignment, windowTokens: tuning.windowTokens,
                                   conditionTokens: tuning.conditionTokens, question: questionTokens)
        let total = tokens(candidates)
        let clock = Date()
        progress(0, total)
        let outcome = try stage.run(candidates: candidates, forced: forced, verbatim: whole, rate: rate,
                                    contrastive: contrastive, keep: &keep) { progress($0, total) }
        stats.scoringSeconds = Date().timeIntervalSince(clock)
        stats.candidateTokens = total
        stats.modelTokens += outcome.scoredTokens
        stats.modelCalls += outcome.modelCalls

        // Budget correction: single units by margin, then whole sentences by relevance.
        let scored = outcome.margin.keys.sorted { outcome.margin[$0]! < outcome.margin[$1]! }
        var removable = scored.map { BudgetController.Group(units: [$0], tokens: alignment.tokenCount(ofUnit: $0)) }
        var addable = scored.reversed().map { BudgetController.Group(units: [$0], tokens: alignment.tokenCount(ofUnit: $0)) }
        let bySentence = ranking.sentence.indices.sorted { ranking.sentence[$0] > ranking.sentence[$1] }
        for s in bySentence.reversed() where chosen[s] && !verbatim[s] && !layout.sentences[s].forced {
            let us = layout.sentences[s].units.filter { units[$0].protection != .always }
            removable.append(BudgetController.Group(units: us, tokens: tokens(us)))
        }
        for s in bySentence where !chosen[s] {
            addable.append(BudgetController.Group(units: Array(layout.sentences[s].units),
                                                  tokens: selector.sentenceTokens[s]))
        }
        _ = BudgetController(target: target).correct(keep: &keep, removable: removable, addable: addable, count: count)
        return keep
    }

    private func block(_ unit: Int) -> Int { layout.sentences[layout.units[unit].sentence].block }

    /// With a question, the most relevant coarse-kept sentences stay whole, up to
    /// `verbatimShare` of the budget (the best one always, if it fits in half).
    private func verbatimSentences(chosen: [Bool], tokens: [Int]) -> [Bool] {
        var out = [Bool](repeating: false, count: layout.sentences.count)
        guard question != nil, tuning.verbatimShare > 0 else { return out }
        let budget = tuning.verbatimShare * Double(target)
        var used = 0
        let order = ranking.sentence.indices.filter { chosen[$0] }.sorted { ranking.sentence[$0] > ranking.sentence[$1] }
        for (k, s) in order.enumerated() {
            let t = tokens[s]
            if Double(used + t) <= budget || (k == 0 && Double(t) <= 0.5 * Double(target)) {
                out[s] = true
                used += t
            } else if k > 0 {
                break
            }
        }
        return out
    }

    /// Blocks scored with and without the question: the most relevant, up to
    /// `contrastiveShare` of the free tokens (at least one).
    private func contrastive(free: [Int], rank: [Int]) -> [Bool] {
        var out = [Bool](repeating: false, count: free.count)
        guard question != nil, tuning.contrastiveShare > 0 else { return out }
        let budget = tuning.contrastiveShare * Double(free.reduce(0, +))
        var used = 0
        for b in free.indices.sorted(by: { rank[$0] < rank[$1] }) where free[b] > 0 {
            if used > 0, Double(used + free[b]) > budget { break }
            out[b] = true
            used += free[b]
        }
        return out
    }

    /// Why the achieved rate is off the request, for the result's warnings.
    func missReason(keep: [Bool], compressedTokens: Int) -> String {
        let protected = layout.units.indices.filter { layout.units[$0].protection == .always }
        let protectedTokens = tokens(protected)
        if protectedTokens > target {
            return "protected text (keep-list, headings, code blocks, JSON structure) is \(protectedTokens) tokens, "
                + "more than the target of \(target): kept it whole (\(compressedTokens) tokens)"
        }
        return "achieved \(compressedTokens) tokens for a target of \(target): numbers, links and sentence "
            + "boundaries left no closer choice"
    }
}
