import Foundation

/// Maximal marginal relevance (Carbonell & Goldstein, 1998): repeatedly pick the candidate that
/// maximises `lambda * sim(query, c) - (1 - lambda) * max sim(c, already picked)`, trading
/// relevance against redundancy. `lambda = 1` is plain ranking, `lambda = 0` pure diversity.
public enum MMR {
    /// Indices of up to `k` candidates in pick order. Without a query, relevance is similarity to
    /// the candidates' centroid, so the first pick is the most typical item and the rest spread out.
    public static func select(query: [Float]?, candidates: [[Float]], k: Int, lambda: Float = 0.5) -> [Int] {
        guard !candidates.isEmpty, k > 0 else { return [] }
        let anchor = query ?? Similarity.centroid(candidates)
        let relevance = Similarity.cosineMatrix([anchor], candidates)[0]
        let pairwise = Similarity.cosineMatrix(candidates, candidates)
        var picked: [Int] = []
        var redundancy = [Float](repeating: -Float.infinity, count: candidates.count)
        var available = Set(candidates.indices)
        while picked.count < min(k, candidates.count) {
            // Ties go to the lower index, so the result does not depend on set iteration order.
            let next = available.max { a, b in
                let sa = score(a), sb = score(b)
                return sa < sb || (sa == sb && a > b)
            }!
            picked.append(next)
            available.remove(next)
            for i in available { redundancy[i] = max(redundancy[i], pairwise[i][next]) }
        }
        return picked

        func score(_ i: Int) -> Float {
            let penalty = picked.isEmpty ? 0 : redundancy[i]
            return lambda * relevance[i] - (1 - lambda) * penalty
        }
    }
}
