import Foundation

/// Per-document keep rates that sum to a budget, more for the more relevant documents
/// (LongLLMLingua Eq. 5): rate_k = clip(base + spread * (1 - 2 * rank_k / (K - 1)), 0, 1),
/// with `base` found by bisection so that sum(rate_k * free_k) = budget.
enum DynamicRatio {
    /// - Parameters:
    ///   - free: compressible tokens of each document.
    ///   - rank: each document's relevance rank, 0 = most relevant.
    ///   - spread: the rate difference between the middle and either end (0: one rate).
    ///   - budget: tokens to keep over all documents.
    static func rates(free: [Int], rank: [Int], spread: Double, budget: Double) -> [Double] {
        let total = Double(free.reduce(0, +))
        guard total > 0 else { return free.map { _ in 1 } }
        if budget <= 0 { return free.map { _ in 0 } }
        if budget >= total { return free.map { _ in 1 } }
        let k = Double(max(1, free.count - 1))
        func rates(_ base: Double) -> [Double] {
            rank.map { r in min(1, max(0, base + (free.count > 1 ? spread * (1 - 2 * Double(r) / k) : 0))) }
        }
        func kept(_ base: Double) -> Double { zip(rates(base), free).reduce(0) { $0 + $1.0 * Double($1.1) } }
        var lo = -spread - 0.01, hi = 1 + spread + 0.01
        for _ in 0..<60 {
            let mid = (lo + hi) / 2
            if kept(mid) < budget { lo = mid } else { hi = mid }
        }
        return rates((lo + hi) / 2)
    }

    /// Ranks (0 = best) from scores, higher score first; ties keep input order.
    static func ranks(_ scores: [Double]) -> [Int] {
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        var rank = [Int](repeating: 0, count: scores.count)
        for (r, i) in order.enumerated() { rank[i] = r }
        return rank
    }
}
