import Foundation

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
