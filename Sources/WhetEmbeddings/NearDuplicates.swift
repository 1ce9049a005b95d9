import Foundation

/// Distance-threshold grouping for near-duplicates, where the number of groups is unknown.
public enum NearDuplicates {
    /// Groups whose members are linked by cosine distance `<= threshold` (single linkage:
    /// connected components of the "close enough" graph). Groups are ordered by their first
    /// member, members in input order. Keep thresholds tight (about 0.05 to 0.15 for
    /// all-MiniLM-L6-v2) since single linkage can chain loosely related items.
    public static func groups(_ vectors: [[Float]], threshold: Float) -> [[Int]] {
        var parent = Array(vectors.indices)
        func root(_ i: Int) -> Int {
            var i = i
            while parent[i] != i { parent[i] = parent[parent[i]]; i = parent[i] }
            return i
        }
        let similarities = Similarity.cosineMatrix(vectors, vectors)
        for i in vectors.indices {
            for j in (i + 1)..<vectors.count where 1 - similarities[i][j] <= threshold {
                let (a, b) = (root(i), root(j))
                if a != b { parent[max(a, b)] = min(a, b) }
            }
        }
        var byRoot: [Int: Int] = [:]
        var result: [[Int]] = []
        for i in vectors.indices {
            let r = root(i)
            if let g = byRoot[r] { result[g].append(i) } else { byRoot[r] = result.count; result.append([i]) }
        }
        return result
    }

    /// Greedy de-duplication: walks the input in order and keeps an item only when it is farther
    /// than `threshold` (cosine distance) from every item kept so far. Returns kept indices.
    public static func representatives(_ vectors: [[Float]], threshold: Float) -> [Int] {
        var kept: [Int] = []
        let unit = vectors.map(Similarity.normalized)
        for (i, v) in unit.enumerated() where kept.allSatisfy({ 1 - Similarity.dot(unit[$0], v) > threshold }) {
            kept.append(i)
        }
        return kept
    }
}
