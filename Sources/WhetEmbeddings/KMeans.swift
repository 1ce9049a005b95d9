import Foundation
import WhetCore

/// k-means (Lloyd's algorithm) with k-means++ seeding and several seeded restarts, keeping the
/// restart with the lowest inertia. Distances are squared Euclidean; on unit vectors (embeddings)
/// that is `2 - 2 cos`, so the clusters are the cosine clusters.
public struct KMeans: Sendable {
    public struct Result: Sendable, Equatable {
        /// Cluster index of each input vector, in `0..<centroids.count`.
        public let assignments: [Int]
        public let centroids: [[Float]]
        /// Sum of squared distances from each vector to its centroid.
        public let inertia: Float
        public let iterations: Int

        /// Input indices grouped by cluster, clusters in index order.
        public var clusters: [[Int]] {
            var groups = [[Int]](repeating: [], count: centroids.count)
            for (i, c) in assignments.enumerated() { groups[c].append(i) }
            return groups
        }
    }

    public var k: Int
    public var seed: UInt64
    public var restarts: Int
    public var maxIterations: Int

    public init(k: Int, seed: UInt64 = 42, restarts: Int = 4, maxIterations: Int = 100) {
        self.k = k
        self.seed = seed
        self.restarts = restarts
        self.maxIterations = maxIterations
    }

    public func fit(_ vectors: [[Float]]) throws -> Result {
        guard !vectors.isEmpty else { throw EmbeddingError.emptyInput(what: "k-means needs at least one vector") }
        guard k >= 1, k <= vectors.count else {
            throw EmbeddingError.invalidArgument(name: "k", expected: "between 1 and \(vectors.count)", got: "\(k)")
        }
        let width = vectors[0].count
        guard vectors.allSatisfy({ $0.count == width }) else {
            throw EmbeddingError.invalidArgument(name: "vectors", expected: "all of length \(width)", got: "mixed lengths")
        }
        var generator = SeededGenerator(seed: seed)
        var best: Result? = nil
        for _ in 0..<max(1, restarts) {
            let result = lloyd(vectors, initial: plusPlusSeeds(vectors, using: &generator))
            if best == nil || result.inertia < best!.inertia { best = result }
        }
        return best!
    }

    /// k-means++: each next seed is drawn with probability proportional to its squared distance
    /// from the nearest seed so far, which spreads seeds out and bounds the expected inertia.
    func plusPlusSeeds(_ vectors: [[Float]], using generator: inout SeededGenerator) -> [[Float]] {
        var seeds = [vectors[Int.random(in: 0..<vectors.count, using: &generator)]]
        var nearest = vectors.map { Similarity.squaredEuclidean($0, seeds[0]) }
        while seeds.count < k {
            let total = nearest.reduce(0, +)
            var pick = 0
            if total > 0 {
                var target = Float.random(in: 0..<total, using: &generator)
                pick = nearest.count - 1
                for (i, d) in nearest.enumerated() {
                    if target < d { pick = i; break }
                    target -= d
                }
            } else {
                // All points coincide with seeds: any unused index will do.
                pick = seeds.count % vectors.count
            }
            seeds.append(vectors[pick])
            for i in vectors.indices { nearest[i] = min(nearest[i], Similarity.squaredEuclidean(vectors[i], vectors[pick])) }
        }
        return seeds
    }

    func lloyd(_ vectors: [[Float]], initial: [[Float]]) -> Result {
        var centroids = initial
        var assignments = [Int](repeating: -1, count: vectors.count)
        var iterations = 0
        let width = vectors[0].count
        while iterations < maxIterations {
            iterations += 1
            var changed = false
            for (i, v) in vectors.enumerated() {
                let c = Self.closest(v, centroids).index
                if c != assignments[i] { assignments[i] = c; changed = true }
            }
            if !changed { break }
            var sums = [[Float]](repeating: [Float](repeating: 0, count: width), count: centroids.count)
            var counts = [Int](repeating: 0, count: centroids.count)
            for (i, v) in vectors.enumerated() {
                counts[assignments[i]] += 1
                for d in 0..<width { sums[assignments[i]][d] += v[d] }
            }
            for c in centroids.indices {
                if counts[c] > 0 {
                    centroids[c] = sums[c].map { $0 / Float(counts[c]) }
                } else {
                    // An empty cluster takes over the point farthest from its centroid.
                    let far = vectors.indices.max {
                        Similarity.squaredEuclidean(vectors[$0], centroids[assignments[$0]])
                            < Similarity.squaredEuclidean(vectors[$1], centroids[assignments[$1]])
                    }!
                    centroids[c] = vectors[far]
                    assignments[far] = c
                }
            }
        }
        let inertia = vectors.indices.reduce(Float(0)) { $0 + Similarity.squaredEuclidean(vectors[$1], centroids[assignments[$1]]) }
        return Result(assignments: assignments, centroids: centroids, inertia: inertia, iterations: iterations)
    }

    static func closest(_ v: [Float], _ centroids: [[Float]]) -> (index: Int, distance: Float) {
        var best = (index: 0, distance: Float.infinity)
        for (c, centroid) in centroids.enumerated() {
            let d = Similarity.squaredEuclidean(v, centroid)
            if d < best.distance { best = (c, d) }
        }
        return best
    }
}
