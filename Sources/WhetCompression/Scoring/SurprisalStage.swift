import Foundation
import WhetInference

/// LLMLingua's iterative token-level compression at word granularity: the candidate
/// text is scored window by window, each window conditioned on the tail of what was
/// kept before it, and each window keeps its highest-surprisal units up to its share of
/// the budget (a per-window threshold), carrying any difference to the next window.
/// Windows in the most relevant documents are also scored after the question, and
/// their units ranked by the contrast (LongLLMLingua's contrastive perplexity).
struct SurprisalStage {
    let model: any CompressionScoringModel
    let layout: TextLayout
    let alignment: TokenAlignment
    let windowTokens: Int
    let conditionTokens: Int
    /// Tokens of the question prefix for contrastive scoring (nil: no question).
    let question: [Int32]?
    /// Weight of (NLL without the question - NLL with it) in a unit's score.
    var contrastWeight = 1.0

    struct Outcome {
        /// Distance of each scored unit's score from its window's threshold, in the
        /// window's standard deviations (positive: kept with room to spare).
        var margin: [Int: Double] = [:]
        var scoredTokens = 0
        var modelCalls = 0
    }

    /// - Parameters:
    ///   - candidates: units in text order (the coarse stage's survivors).
    ///   - forced: units kept whatever their score.
    ///   - verbatim: units of sentences kept whole: never scored, only read as condition.
    ///   - rate: each unit's keep rate (its document's), for the free units.
    ///   - contrastive: whether a unit's document gets contrastive scores.
    ///   - keep: set for the candidates (forced ones and the chosen free ones).
    func run(candidates: [Int], forced: [Bool], verbatim: [Bool], rate: [Double], contrastive: [Bool],
             keep: inout [Bool], progress: (Int) -> Void) throws -> Outcome {
        var outcome = Outcome()
        var tail: [Int32] = []
        var carry = 0.0
        var done = 0
        var start = 0
        while start < candidates.count {
            // A window is either a run of verbatim units (kept, not scored) or up to
            // `windowTokens` of other units, ending before the next verbatim one.
            var end = start
            var tokens = 0
            let passThrough = verbatim[candidates[start]]
            while end < candidates.count, verbatim[candidates[end]] == passThrough,
                  passThrough || tokens < windowTokens {
                tokens += alignment.tokenCount(ofUnit: candidates[end])
                end += 1
            }
            let window = Array(candidates[start..<end])
            let free = passThrough ? [] : window.filter { !forced[$0] && alignment.tokenCount(ofUnit: $0) > 0 }
            for u in window where passThrough || forced[u] || alignment.tokenCount(ofUnit: u) == 0 { keep[u] = true }
            if !free.isEmpty {
                let scores = try score(window, tail: tail, contrastive: window.contains { contrastive[$0] },
                                       outcome: &outcome)
                let target = free.reduce(0.0) { $0 + rate[$1] * Double(alignment.tokenCount(ofUnit: $1)) } + carry
                let kept = select(free, scores: scores, target: target, keep: &keep, margin: &outcome.margin)
                carry = max(-Double(windowTokens), min(Double(windowTokens), target - Double(kept)))
            }
            for u in window where keep[u] { tail.append(contentsOf: alignment.tokens(ofUnit: u)) }
            if tail.count > conditionTokens { tail.removeFirst(tail.count - conditionTokens) }
            done += tokens
            progress(done)
            try Task.checkCancellation()
            start = end
        }
        return outcome
    }

    /// Each unit's score: the mean and the maximum of its non-whitespace tokens'
    /// surprisal (plus the contrast where computed), averaged.
    private func score(_ window: [Int], tail: [Int32], contrastive: Bool,
                       outcome: inout Outcome) throws -> [Int: Double] {
        var ids: [Int32] = []
        var owner: [Int] = []
        for u in window {
            for t in alignment.unitTokens[u] {
                ids.append(alignment.ids[t])
                owner.append(t)
            }
        }
        var continuations = [ids]
        let useQuestion = contrastive && question != nil
        if useQuestion { continuations.append(question! + ids) }
        let prompt = [model.startToken] + tail
        let results = try model.scoreContinuations(prompt: prompt, continuations: continuations)
        outcome.modelCalls += 1
        outcome.scoredTokens += continuations.reduce(prompt.count) { $0 + $1.count }
        var value = [Double](repeating: 0, count: ids.count)
        for i in ids.indices {
            let nll = -results[0].tokenLogprobs[i]
            var v = nll
            if useQuestion {
                let withQuestion = -results[1].tokenLogprobs[question!.count + i]
                v += contrastWeight * (nll - withQuestion)
            }
            value[i] = v
        }
        var scores: [Int: Double] = [:]
        var k = 0
        for u in window {
            let n = alignment.tokenCount(ofUnit: u)
            var sum = 0.0, maximum = -Double.infinity, counted = 0
            for j in k..<(k + n) where !alignment.isWhitespace[owner[j]] {
                sum += value[j]
                maximum = max(maximum, value[j])
                counted += 1
            }
            if counted == 0 {
                for j in k..<(k + n) { sum += value[j]; maximum = max(maximum, value[j]) }
                counted = n
            }
            scores[u] = counted > 0 ? 0.5 * sum / Double(counted) + 0.5 * maximum : 0
            k += n
        }
        return scores
    }

    /// Keeps the highest-scoring free units while their tokens approach `target`;
    /// returns the tokens kept and records each unit's margin.
    private func select(_ free: [Int], scores: [Int: Double], target: Double, keep: inout [Bool],
                        margin: inout [Int: Double]) -> Int {
        let order = free.sorted { (scores[$0] ?? 0) > (scores[$1] ?? 0) }
        var kept = 0
        var lastKept: Double?
        var firstDropped: Double?
        for u in order {
            let n = alignment.tokenCount(ofUnit: u)
            let remaining = target - Double(kept)
            // Take the unit if it fits, or if overshooting is closer than stopping short.
            if Double(n) <= remaining || Double(n) - remaining < remaining {
                keep[u] = true
                kept += n
                lastKept = scores[u]
            } else if firstDropped == nil {
                firstDropped = scores[u]
            }
        }
        let values = free.map { scores[$0] ?? 0 }
        let mean = values.reduce(0, +) / Double(max(1, values.count))
        let sd = max(0.25, (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(1, values.count))).squareRoot())
        let threshold = ((lastKept ?? (values.max() ?? 0) + sd) + (firstDropped ?? (values.min() ?? 0) - sd)) / 2
        for u in free { margin[u] = ((scores[u] ?? 0) - threshold) / sd }
        return kept
    }
}
