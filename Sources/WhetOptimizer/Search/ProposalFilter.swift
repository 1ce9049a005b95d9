import Foundation
import WhetEmbeddings

/// Drops near-duplicate proposals before any model call (after ClaPS, Zhou et al. 2023:
/// cluster the search space, keep representatives). Proposals within `threshold` cosine
/// distance of a candidate already tried, or of an earlier proposal, go first; if more
/// remain than there are slots, k-means over their MiniLM embeddings makes one cluster per
/// slot and each cluster keeps its earliest proposal (operators list their best bets first).
public enum ProposalFilter {
    public static func select(proposals: [[Float]], existing: [[Float]], slots: Int, threshold: Float = 0.02,
                              seed: UInt64) throws -> [Int] {
        guard slots > 0, !proposals.isEmpty else { return [] }
        var kept: [Int] = []
        let againstExisting = existing.isEmpty ? [] : Similarity.cosineMatrix(proposals, existing)
        let amongProposals = Similarity.cosineMatrix(proposals, proposals)
        for i in proposals.indices {
            if !existing.isEmpty, againstExisting[i].contains(where: { 1 - $0 <= threshold }) { continue }
            if kept.contains(where: { 1 - amongProposals[i][$0] <= threshold }) { continue }
            kept.append(i)
        }
        guard kept.count > slots else { return kept }
        let clustering = try KMeans(k: slots, seed: seed).fit(kept.map { proposals[$0] })
        var firstOfCluster: [Int: Int] = [:]
        for (position, cluster) in clustering.assignments.enumerated() where firstOfCluster[cluster] == nil {
            firstOfCluster[cluster] = kept[position]
        }
        return firstOfCluster.values.sorted()
    }
}
