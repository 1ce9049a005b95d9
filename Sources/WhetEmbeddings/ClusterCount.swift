import Foundation

/// Choosing k: the silhouette of each candidate clustering, and the k whose k-means clustering
/// has the highest mean silhouette. A silhouette compares each point's mean distance to its own
/// cluster (a) with that to the nearest other cluster (b): s = (b - a) / max(a, b), in [-1, 1].
public enum ClusterCount {
    public struct Choice: Sendable, Equatable {
        public let k: Int
        public let result: KMeans.Result
        /// Mean silhouette per k tried, in order.
        public let silhouettes: [(k: Int, score: Float)]

        public static func == (a: Choice, b: Choice) -> Bool {
            a.k == b.k && a.result == b.result && a.silhouettes.elementsEqual(b.silhouettes) { $0 == $1 }
        }
    }

    /// Mean silhouette with cosine distance. Singletons score 0, as in scikit-learn; one cluster scores 0.
    public static func silhouette(_ vectors: [[Float]], assignments: [Int]) -> Float {
        let k = (assignments.max() ?? 0) + 1
        guard vectors.count > 1, k > 1 else { return 0 }
        let similarities = Similarity.cosineMatrix(vectors, vectors)
        var sizes = [Int](repeating: 0, count: k)
        for a in assignments { sizes[a] += 1 }
        var total: Float = 0
        for i in vectors.indices {
            let own = assignments[i]
            guard sizes[own] > 1 else { continue }
            var sums = [Float](repeating: 0, count: k)
            for j in vectors.indices where j != i { sums[assignments[j]] += 1 - similarities[i][j] }
            let a = sums[own] / Float(sizes[own] - 1)
            var b = Float.infinity
            for c in 0..<k where c != own && sizes[c] > 0 { b = min(b, sums[c] / Float(sizes[c])) }
            let denominator = max(a, b)
            if denominator > 0, b.isFinite { total += (b - a) / denominator }
        }
        return total / Float(vectors.count)
    }

    /// Runs k-means for every k in `range` (clamped to 2...n-1) and keeps the best mean silhouette.
    /// When no k reaches `minimumSilhouette`, the data has no cluster structure worth splitting
    /// and the answer is one cluster.
    public static func choose(_ vectors: [[Float]], range: ClosedRange<Int> = 2...10, seed: UInt64 = 42,
                              minimumSilhouette: Float = 0.05) throws -> Choice {
        guard !vectors.isEmpty else { throw EmbeddingError.emptyInput(what: "choosing k needs at least one vector") }
        let upper = min(range.upperBound, vectors.count - 1)
        let lower = max(2, range.lowerBound)
        var tried: [(k: Int, score: Float)] = []
        var best: (k: Int, score: Float, result: KMeans.Result)? = nil
        if lower <= upper {
            for k in lower...upper {
                let result = try KMeans(k: k, seed: seed).fit(vectors)
                let score = silhouette(vectors, assignments: result.assignments)
                tried.append((k, score))
                if best == nil || score > best!.score { best = (k, score, result) }
            }
        }
        if let best, best.score >= minimumSilhouette {
            return Choice(k: best.k, result: best.result, silhouettes: tried)
        }
        return Choice(k: 1, result: try KMeans(k: 1, seed: seed).fit(vectors), silhouettes: tried)
    }
}
