import Foundation
import WhetEmbeddings
import WhetInference

/// How much each sentence matters, higher first. With a question: MiniLM similarity to
/// it, smoothed over the sentence's neighbours and document, and for the leading
/// candidates the language model's conditional NLL of the question after the sentence
/// (LongLLMLingua's coarse ranking, on short spans). Without one: similarity to the
/// whole text's centroid, plus a bonus for a paragraph's first sentence.
struct RelevanceRanker {
    let embedder: SentenceEmbedder
    let model: (any CompressionScoringModel)?
    /// Sentences embedded per batch (bounds memory on long inputs).
    var batchSentences = 64

    struct Ranking {
        /// One score per sentence; comparable within one context only.
        var sentence: [Double]
        /// Per block: its best sentence's score.
        var block: [Double]
        /// Tokens the question-NLL pass ran through the language model.
        var modelTokens = 0
    }

    func rank(_ layout: TextLayout, question: String?, nllCandidates: Int,
              progress: (Int) -> Void) throws -> Ranking {
        let texts = layout.sentences.indices.map { layout.text(ofSentence: $0) }
        var similarity = [Double](repeating: 0, count: texts.count)
        if let question {
            let q = try embedder.embed(question)
            try forEachBatch(texts, progress: progress) { start, vectors in
                for (k, v) in vectors.enumerated() { similarity[start + k] = Double(Similarity.dot(q, v)) }
            }
        } else {
            // Centroid of all sentences (running sum), then each sentence's similarity to it.
            var vectors: [[Float]] = []
            vectors.reserveCapacity(texts.count)
            try forEachBatch(texts, progress: progress) { _, batch in vectors.append(contentsOf: batch) }
            var centroid = [Float](repeating: 0, count: embedder.dimension)
            for v in vectors { for k in centroid.indices { centroid[k] += v[k] } }
            centroid = Similarity.normalized(centroid)
            for (i, v) in vectors.enumerated() { similarity[i] = Double(Similarity.dot(centroid, v)) }
        }
        var scores = smoothed(similarity, layout: layout, leadBonus: question == nil ? 0.05 : 0)
        var modelTokens = 0
        if let question, let model, nllCandidates > 0 {
            modelTokens = try rerankByQuestionNLL(&scores, layout: layout, question: question, model: model,
                                                  count: nllCandidates)
        }
        var block = [Double](repeating: -.infinity, count: layout.blocks.count)
        for (s, sentence) in layout.sentences.enumerated() { block[sentence.block] = max(block[sentence.block], scores[s]) }
        return Ranking(sentence: scores, block: block, modelTokens: modelTokens)
    }

    private func forEachBatch(_ texts: [String], progress: (Int) -> Void,
                              _ body: (Int, [[Float]]) throws -> Void) throws {
        var start = 0
        while start < texts.count {
            let end = min(texts.count, start + batchSentences)
            try body(start, try embedder.embed(Array(texts[start..<end])))
            progress(end)
            start = end
        }
    }

    /// A sentence's score: its own similarity, its document's best, its best neighbour's.
    private func smoothed(_ sim: [Double], layout: TextLayout, leadBonus: Double) -> [Double] {
        var out = sim
        for (b, block) in layout.blocks.enumerated() {
            let range = block.sentences
            guard !range.isEmpty else { continue }
            let best = range.map { sim[$0] }.max() ?? 0
            for s in range {
                var neighbour = sim[s]
                if s > range.lowerBound { neighbour = max(neighbour, sim[s - 1]) }
                if s + 1 < range.upperBound { neighbour = max(neighbour, sim[s + 1]) }
                out[s] = 0.6 * sim[s] + 0.25 * best + 0.15 * neighbour
                if s == range.lowerBound, layout.blocks[b].kind == .prose { out[s] += leadBonus }
            }
        }
        return out
    }

    /// Re-orders the top `count` sentences by the mean NLL of the question after each
    /// (all candidates in one forward pass sharing the start token), keeping them on top.
    private func rerankByQuestionNLL(_ scores: inout [Double], layout: TextLayout, question: String,
                                     model: any CompressionScoringModel, count: Int) throws -> Int {
        let top = scores.indices.sorted { scores[$0] > scores[$1] }.prefix(count)
        guard top.count > 1 else { return 0 }
        let q = model.encode("\nQuestion: " + question)
        let limit = 48
        var continuations: [[Int32]] = []
        for s in top {
            let sentence = model.encode(layout.text(ofSentence: s))
            continuations.append(Array(sentence.suffix(limit)) + q)
        }
        let results = try model.scoreContinuations(prompt: [model.startToken], continuations: continuations)
        let nll = results.map { r -> Double in
            let tail = r.tokenLogprobs.suffix(q.count)
            return -tail.reduce(0, +) / Double(max(1, tail.count))
        }
        // Fuse z-scored similarity and z-scored (negated) NLL; the candidates take the
        // fused order but keep their original score values, so they stay on top.
        let sims = top.map { scores[$0] }
        let zs = zScores(sims), zn = zScores(nll.map { -$0 })
        let fused = top.indices.sorted { 0.5 * zs[$0] + 0.5 * zn[$0] > 0.5 * zs[$1] + 0.5 * zn[$1] }
        for (value, k) in zip(sims.sorted(by: >), fused) { scores[top[top.startIndex + k]] = value }
        return continuations.reduce(1) { $0 + $1.count }
    }

    private func zScores(_ xs: [Double]) -> [Double] {
        let mean = xs.reduce(0, +) / Double(max(1, xs.count))
        let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(1, xs.count))
        let sd = max(variance.squareRoot(), 1e-9)
        return xs.map { ($0 - mean) / sd }
    }
}
