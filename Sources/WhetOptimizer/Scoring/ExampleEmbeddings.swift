import Foundation
import WhetCore
import WhetEmbeddings

/// MiniLM embeddings of examples (their rendered inputs) and of free texts, computed once
/// and kept by id. Used for per-input nearest-neighbour exemplars, MMR-diverse sets, the
/// exemplar bandit's features and de-duplicating proposals.
public final class ExampleEmbeddings: @unchecked Sendable {
    public let embedder: SentenceEmbedder
    let template: PromptTemplate
    private var vectors: [String: [Float]] = [:]
    private let lock = NSLock()

    public init(embedder: SentenceEmbedder, template: PromptTemplate) {
        self.embedder = embedder
        self.template = template
    }

    /// One vector per example, in order; only the ones not yet known are computed.
    public func vectors(for examples: [Example]) throws -> [[Float]] {
        let missing = lock.withLock { examples.filter { vectors[$0.id] == nil } }
        if !missing.isEmpty {
            var seen = Set<String>()
            let unique = missing.filter { seen.insert($0.id).inserted }
            let texts = unique.map { (try? template.render($0.fields)) ?? $0.fields.values.sorted().joined(separator: " ") }
            let computed = try embedder.embed(texts)
            lock.withLock { for (e, v) in zip(unique, computed) { vectors[e.id] = v } }
        }
        return lock.withLock { examples.map { vectors[$0.id]! } }
    }

    public func embed(texts: [String]) throws -> [[Float]] { try embedder.embed(texts) }
}

/// The exemplar pool's nearest neighbours of an input, most similar last (closest to
/// the input it precedes), the input itself excluded.
public struct NeighbourIndex: Sendable {
    public let pool: [Example]
    let index: NearestNeighbors

    public init(pool: [Example], embeddings: ExampleEmbeddings) throws {
        self.pool = pool
        index = NearestNeighbors(try embeddings.vectors(for: pool))
    }

    public func neighbours(of vector: [Float], excluding id: String, k: Int) -> [Example] {
        let found = index.nearest(to: vector, k: k + 1).filter { pool[$0.index].id != id }.prefix(k)
        return found.reversed().map { pool[$0.index] }
    }
}
