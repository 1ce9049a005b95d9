import Foundation
import WhetCore
import WhetEmbeddings

/// Ways to pick ordered exemplar sets from the exemplar pool (train examples kept out of
/// selection): random k-shot, label-balanced, MMR-diverse over MiniLM embeddings, the
/// model's own correct answers, and reorderings of a set.
public struct ExemplarSampler: Sendable {
    public let pool: [Example]
    public let labels: [LabelVerbalizer]?

    public init(pool: [Example], labels: [LabelVerbalizer]?) {
        self.pool = pool
        self.labels = labels
    }

    func exemplar(_ e: Example, _ words: [String: String]) -> Exemplar { Exemplar(e, answerWords: words, labels: labels) }

    /// The label an example's reference names (label tasks).
    func label(of e: Example) -> String? {
        guard let labels, let answer = e.answer else { return nil }
        return AnswerText.label(in: answer, labels: labels)
    }

    public func random(k: Int, words: [String: String], using rng: inout SeededGenerator) -> [Exemplar] {
        Self.copyNotLast(Array(pool.shuffled(using: &rng).prefix(k)).map { exemplar($0, words) })
    }

    /// An exemplar whose answer repeats its input (an uncountable noun's plural) teaches the
    /// model to copy its input when it comes last: move another one to the end.
    static func copyNotLast(_ set: [Exemplar]) -> [Exemplar] {
        func copies(_ e: Exemplar) -> Bool {
            let answer = AnswerText.normalize(e.answer)
            return e.fields.values.contains { AnswerText.normalize($0) == answer }
        }
        guard let last = set.last, copies(last), let swap = set.lastIndex(where: { !copies($0) }) else { return set }
        var result = set
        result.swapAt(swap, result.count - 1)
        return result
    }

    /// Label tasks: the same number of each label (as near as k allows), labels alternating
    /// so that neither the last exemplar nor the majority pulls every answer one way.
    public func balanced(k: Int, words: [String: String], using rng: inout SeededGenerator) -> [Exemplar] {
        guard let labels else { return random(k: k, words: words, using: &rng) }
        var byLabel: [[Example]] = labels.map { l in pool.filter { label(of: $0) == l.label }.shuffled(using: &rng) }
        let order = Array(labels.indices).shuffled(using: &rng)
        var picked: [Example] = []
        var round = 0
        while picked.count < k, byLabel.contains(where: { !$0.isEmpty }) {
            let j = order[round % order.count]
            if !byLabel[j].isEmpty { picked.append(byLabel[j].removeFirst()) }
            round += 1
        }
        return picked.map { exemplar($0, words) }
    }

    /// MMR over a random slice of the pool: typical first, then as different from the
    /// picked ones as relevance allows (lambda 0.5).
    public func diverse(k: Int, words: [String: String], vectors: [String: [Float]], using rng: inout SeededGenerator) -> [Exemplar] {
        let slice = Array(pool.shuffled(using: &rng).prefix(max(3 * k, 48))).filter { vectors[$0.id] != nil }
        guard !slice.isEmpty else { return random(k: k, words: words, using: &rng) }
        let picked = MMR.select(query: nil, candidates: slice.map { vectors[$0.id]! }, k: k, lambda: 0.5)
        return picked.map { exemplar(slice[$0], words) }
    }

    /// Examples the model answered correctly, shown with the model's own output for
    /// generation tasks ("Teach Better or Show Smarter?", Wan et al. 2024).
    public func ownCorrect(_ results: [(example: Example, output: String, score: Double)], k: Int, words: [String: String],
                           generated: Bool, using rng: inout SeededGenerator) -> [Exemplar] {
        let correct = results.filter { $0.score >= 1 }.shuffled(using: &rng).prefix(k)
        return correct.map { r in
            var e = exemplar(r.example, words)
            if generated { e.answer = r.output.trimmingCharacters(in: .whitespacesAndNewlines) }
            return e
        }
    }

    /// Other orders of the same exemplars: reversed, labels interleaved, then random shuffles.
    public func reorderings(of exemplars: [Exemplar], count: Int, using rng: inout SeededGenerator) -> [[Exemplar]] {
        guard exemplars.count > 1 else { return [] }
        var result: [[Exemplar]] = [exemplars.reversed()]
        if labels != nil {
            var groups: [String: [Exemplar]] = [:]
            var keys: [String] = []
            for e in exemplars {
                if groups[e.answer] == nil { keys.append(e.answer) }
                groups[e.answer, default: []].append(e)
            }
            var interleaved: [Exemplar] = []
            var i = 0
            while interleaved.count < exemplars.count {
                for key in keys where i < groups[key]!.count { interleaved.append(groups[key]![i]) }
                i += 1
            }
            result.append(interleaved)
        }
        for _ in 0..<(count * 2) { result.append(exemplars.shuffled(using: &rng)) }
        var unique: [[Exemplar]] = []
        for order in result where order != exemplars && !unique.contains(order) { unique.append(order) }
        return Array(unique.prefix(count))
    }
}
