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

/// Exact nearest neighbours by cosine similarity (brute force over one GEMM: fine up to
/// tens of thousands of vectors, which is the scale of prompts and exemplars here).
public struct NearestNeighbors: Sendable {
    public struct Neighbor: Sendable, Equatable {
        public let index: Int
        public let similarity: Float
    }

    public let vectors: [[Float]]

    public init(_ vectors: [[Float]]) { self.vectors = vectors }

    /// The `k` most similar vectors to each query, most similar first (ties by lower index).
    public func nearest(to queries: [[Float]], k: Int, excludingSelf: Bool = false) -> [[Neighbor]] {
        guard !vectors.isEmpty, k > 0 else { return queries.map { _ in [] } }
        let similarities = Similarity.cosineMatrix(queries, vectors)
        return similarities.enumerated().map { q, row in
            var ranked = row.enumerated().map { Neighbor(index: $0.offset, similarity: $0.element) }
            if excludingSelf { ranked.removeAll { $0.index == q } }
            ranked.sort { $0.similarity > $1.similarity || ($0.similarity == $1.similarity && $0.index < $1.index) }
            return Array(ranked.prefix(k))
        }
    }

    public func nearest(to query: [Float], k: Int) -> [Neighbor] { nearest(to: [query], k: k)[0] }
}
