import Foundation

/// Chooses whole sentences by score to a token budget: forced sentences (keep-list,
/// headings, code, JSON structure) first, then the best-scoring ones. `exact` skips a
/// sentence that would overflow and keeps looking for one that fits (RECOMP-style
/// extractive selection to a budget); otherwise the sentence crossing the budget is
/// taken too (a coarse filter that must not starve the next stage).
struct SentenceSelector {
    let layout: TextLayout
    let sentenceTokens: [Int]

    init(layout: TextLayout, alignment: TokenAlignment) {
        self.layout = layout
        sentenceTokens = layout.sentences.map { s in s.units.reduce(0) { $0 + alignment.tokenCount(ofUnit: $1) } }
    }

    func select(scores: [Double], budget: Int, exact: Bool) -> [Bool] {
        var chosen = layout.sentences.map(\.forced)
        var total = zip(chosen, sentenceTokens).reduce(0) { $0 + ($1.0 ? $1.1 : 0) }
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        for s in order where !chosen[s] {
            if total >= budget { break }
            let t = sentenceTokens[s]
            if exact {
                let remaining = budget - total
                guard t <= remaining || t - remaining < remaining / 4 else { continue }
            }
            chosen[s] = true
            total += t
            if exact, Double(total) >= 0.99 * Double(budget) { break }
        }
        return chosen
    }

    /// The best unchosen sentence's leading units that fit in `room` tokens (sentence
    /// mode's last resort when whole sentences cannot come close to the budget).
    func partialFill(chosen: [Bool], scores: [Double], room: Int, alignment: TokenAlignment) -> [Int] {
        guard room > 0 else { return [] }
        let order = scores.indices.filter { !chosen[$0] }.sorted { scores[$0] > scores[$1] }
        guard let best = order.first else { return [] }
        var out: [Int] = []
        var used = 0
        for u in layout.sentences[best].units {
            let t = alignment.tokenCount(ofUnit: u)
            if used + t > room { break }
            out.append(u)
            used += t
        }
        return out
    }
}
