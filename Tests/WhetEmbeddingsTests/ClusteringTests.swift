import Foundation
import Testing
@testable import WhetEmbeddings
import WhetCore

/// Synthetic unit vectors in well-separated blobs, with the true label of each point.
struct Blobs {
    let vectors: [[Float]]
    let labels: [Int]

    init(clusters: Int, perCluster: Int, dimension: Int = 16, noise: Float = 0.08, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        func gaussian() -> Float {
            let u = Float.random(in: Float.ulpOfOne..<1, using: &rng), v = Float.random(in: 0..<1, using: &rng)
            return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }
        let centers = (0..<clusters).map { _ in Similarity.normalized((0..<dimension).map { _ in gaussian() }) }
        var vectors: [[Float]] = []
        var labels: [Int] = []
        // Interleaved so that cluster membership cannot be read off the input order.
        for _ in 0..<perCluster {
            for (c, center) in centers.enumerated() {
                vectors.append(Similarity.normalized(center.map { $0 + noise * gaussian() }))
                labels.append(c)
            }
        }
        self.vectors = vectors
        self.labels = labels
    }
}

/// True when two labelings induce the same partition (cluster ids may be permuted).
func samePartition(_ a: [Int], _ b: [Int]) -> Bool {
    var forward: [Int: Int] = [:], backward: [Int: Int] = [:]
    for (x, y) in zip(a, b) {
        if forward[x, default: y] != y || backward[y, default: x] != x { return false }
        forward[x] = y
        backward[y] = x
    }
    return a.count == b.count
}

@Suite struct KMeansTests {
    @Test(arguments: [2, 3, 5])
    func recoversWellSeparatedBlobs(clusters: Int) throws {
        let blobs = Blobs(clusters: clusters, perCluster: 12, seed: UInt64(clusters))
        let result = try KMeans(k: clusters, seed: 7).fit(blobs.vectors)
        #expect(samePartition(result.assignments, blobs.labels))
        #expect(result.centroids.count == clusters)
    }

    @Test func sameSeedSameResultAndSeedsMatter() throws {
        let blobs = Blobs(clusters: 4, perCluster: 10, noise: 0.6, seed: 11)
        let a = try KMeans(k: 4, seed: 1, restarts: 1).fit(blobs.vectors)
        let b = try KMeans(k: 4, seed: 1, restarts: 1).fit(blobs.vectors)
        #expect(a == b)
        let others = try (2...8).map { try KMeans(k: 4, seed: UInt64($0), restarts: 1).fit(blobs.vectors) }
        #expect(others.contains { $0.assignments != a.assignments || $0.inertia != a.inertia })
    }

    @Test func plusPlusSeedingPicksOnePointPerBlob() {
        let blobs = Blobs(clusters: 6, perCluster: 8, noise: 0.02, seed: 3)
        var generator = SeededGenerator(seed: 5)
        let seeds = KMeans(k: 6).plusPlusSeeds(blobs.vectors, using: &generator)
        let seedLabels = seeds.map { seed in blobs.labels[blobs.vectors.firstIndex(of: seed)!] }
        #expect(Set(seedLabels).count == 6)
    }

    @Test func inertiaNeverRisesWithMoreClusters() throws {
        let blobs = Blobs(clusters: 3, perCluster: 10, noise: 0.3, seed: 9)
        let inertias = try (1...6).map { try KMeans(k: $0, seed: 2).fit(blobs.vectors).inertia }
        for (smaller, larger) in zip(inertias, inertias.dropFirst()) { #expect(larger <= smaller + 1e-4) }
    }

    @Test func rejectsImpossibleK() {
        #expect(throws: EmbeddingError.self) { try KMeans(k: 5).fit([[1, 0], [0, 1]]) }
        #expect(throws: EmbeddingError.self) { try KMeans(k: 1).fit([]) }
    }
}

@Suite struct ClusterCountTests {
    @Test(arguments: [2, 3, 4, 6])
    func silhouetteFindsTheTrueNumberOfClusters(clusters: Int) throws {
        let blobs = Blobs(clusters: clusters, perCluster: 10, seed: 100 + UInt64(clusters))
        let choice = try ClusterCount.choose(blobs.vectors, range: 2...8)
        #expect(choice.k == clusters, "silhouettes \(choice.silhouettes)")
        #expect(samePartition(choice.result.assignments, blobs.labels))
    }

    @Test func structurelessDataIsOneCluster() throws {
        // One tight blob: no split scores a useful silhouette.
        let blob = Blobs(clusters: 1, perCluster: 30, noise: 0.05, seed: 5)
        let choice = try ClusterCount.choose(blob.vectors, range: 2...6, minimumSilhouette: 0.5)
        #expect(choice.k == 1)
    }

    @Test func silhouetteRanksTheTruePartitionAboveAShuffledOne() {
        let blobs = Blobs(clusters: 3, perCluster: 10, seed: 21)
        let shuffled = blobs.labels.indices.map { (blobs.labels[$0] + $0 / 10) % 3 }
        let truth = ClusterCount.silhouette(blobs.vectors, assignments: blobs.labels)
        #expect(truth > 0.5)
        #expect(ClusterCount.silhouette(blobs.vectors, assignments: shuffled) < truth - 0.3)
    }
}

@Suite struct NearDuplicateTests {
    /// Three base vectors, each with exact and slightly perturbed copies.
    static let base: [[Float]] = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]
    static let items: [[Float]] = [base[0], base[1], [0.99, 0.05, 0, 0], base[2], [0, 0.98, 0, 0.1], base[0]]

    @Test func thresholdGroupsNearDuplicates() {
        #expect(NearDuplicates.groups(Self.items, threshold: 0.05) == [[0, 2, 5], [1, 4], [3]])
    }

    @Test func aTightThresholdOnlyMergesExactCopies() {
        #expect(NearDuplicates.groups(Self.items, threshold: 1e-6) == [[0, 5], [1], [2], [3], [4]])
    }

    @Test func representativesKeepTheFirstOfEachGroup() {
        #expect(NearDuplicates.representatives(Self.items, threshold: 0.05) == [0, 1, 3])
        #expect(NearDuplicates.representatives(Self.items, threshold: 2.1) == [0])
    }
}

@Suite struct SelectionTests {
    @Test func mmrWithFullRelevanceIsPlainRanking() {
        let query: [Float] = [1, 0, 0]
        let candidates: [[Float]] = [[0, 1, 0], [0.9, 0.1, 0], [1, 0, 0], [0.5, 0.5, 0]]
        #expect(MMR.select(query: query, candidates: candidates, k: 4, lambda: 1) == [2, 1, 3, 0])
    }

    @Test func mmrSkipsRedundantCandidates() {
        let query: [Float] = [1, 1, 0]
        // Two copies of one direction and a different but still relevant one.
        let candidates: [[Float]] = [[1, 0.8, 0], [1, 0.8, 0], [0.6, 1, 0.2]]
        let ranking = MMR.select(query: query, candidates: candidates, k: 2, lambda: 1)
        let diverse = MMR.select(query: query, candidates: candidates, k: 2, lambda: 0.5)
        #expect(ranking == [0, 1])
        #expect(diverse == [0, 2])
    }

    @Test func mmrWithoutQueryCoversEveryBlob() {
        let blobs = Blobs(clusters: 4, perCluster: 6, noise: 0.05, seed: 44)
        let picks = MMR.select(query: nil, candidates: blobs.vectors, k: 4, lambda: 0.3)
        #expect(Set(picks.map { blobs.labels[$0] }).count == 4)
    }

    @Test func nearestNeighborsMatchABruteForceSort() {
        let blobs = Blobs(clusters: 3, perCluster: 20, noise: 0.5, seed: 8)
        let index = NearestNeighbors(blobs.vectors)
        let query = blobs.vectors[5]
        let found = index.nearest(to: query, k: 5)
        let expected = blobs.vectors.indices
            .map { ($0, Similarity.cosine(query, blobs.vectors[$0])) }
            .sorted { $0.1 > $1.1 }
            .prefix(5).map(\.0)
        #expect(found.map(\.index) == expected)
        #expect(found.first?.index == 5)
        // With the indexed vectors as queries, excluding self drops query i's own row.
        #expect(index.nearest(to: blobs.vectors, k: 4, excludingSelf: true)[5].map(\.index) == Array(expected.dropFirst()))
    }

    @Test func cosineMatrixAgreesWithPairwiseCosine() {
        let blobs = Blobs(clusters: 2, perCluster: 5, noise: 0.7, seed: 2)
        let matrix = Similarity.cosineMatrix(blobs.vectors, blobs.vectors)
        for i in blobs.vectors.indices {
            for j in blobs.vectors.indices {
                #expect(abs(matrix[i][j] - Similarity.cosine(blobs.vectors[i], blobs.vectors[j])) < 1e-5)
            }
        }
    }
}
