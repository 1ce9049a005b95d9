import CWhetKernels
import Foundation
import WhetCore

/// How the next token is chosen. `temperature == 0` is greedy (argmax, ties to the
/// lowest id as llama.cpp does); otherwise top-k, then top-p (nucleus), then a draw
/// from the tempered softmax with a seeded generator, so a seed reproduces a run.
public struct SamplingOptions: Sendable, Equatable {
    public var temperature: Float
    public var topK: Int
    public var topP: Float
    public var seed: UInt64

    public init(temperature: Float = 0, topK: Int = 0, topP: Float = 1, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.seed = seed
    }

    public static let greedy = SamplingOptions()
}

struct Sampler {
    let options: SamplingOptions
    private var generator: SeededGenerator

    init(_ options: SamplingOptions) {
        self.options = options
        generator = SeededGenerator(seed: options.seed)
    }

    static func argmax(_ logits: UnsafePointer<Float>, count: Int) -> Int32 {
        var best = 0
        var bestValue = logits[0]
        for i in 1..<count where logits[i] > bestValue {
            best = i
            bestValue = logits[i]
        }
        return Int32(best)
    }

    mutating func sample(_ logits: UnsafePointer<Float>, count: Int) -> Int32 {
        guard options.temperature > 0 else { return Self.argmax(logits, count: count) }
        let candidates: [(id: Int32, logit: Float)]
        if options.topK > 0 && options.topK < count {
            candidates = Array((0..<count).map { (id: Int32($0), logit: logits[$0]) }.partialSort(options.topK))
        } else {
            // No top-k: sorting the whole vocabulary per token was most of a sampled
            // step. A draw needs no order; nucleus sampling needs order only among
            // tokens that can be in the nucleus, and a token whose probability is
            // below (1 - topP) / count cannot: all of them together hold less than
            // 1 - topP, so the larger ones reach topP first.
            var maxLogit = logits[0]
            for i in 1..<count where logits[i] > maxLogit { maxLogit = logits[i] }
            let weights = (0..<count).map { exp(Double((logits[$0] - maxLogit) / options.temperature)) }
            let total = weights.reduce(0, +)
            if options.topP >= 1 { return draw(ids: (0..<count).lazy.map(Int32.init), weights: weights, total: total) }
            let floor = (1 - Double(options.topP)) * total / Double(count)
            candidates = (0..<count).filter { weights[$0] >= floor }.map { (id: Int32($0), logit: logits[$0]) }
                .sorted { $0.logit > $1.logit || ($0.logit == $1.logit && $0.id < $1.id) }
        }
        let maxLogit = candidates[0].logit
        var probs = candidates.map { exp(Double(($0.logit - maxLogit) / options.temperature)) }
        var total = probs.reduce(0, +)
        if options.topP < 1 {
            var cumulative = 0.0
            var keep = probs.count
            for (i, p) in probs.enumerated() {
                cumulative += p / total
                if cumulative >= Double(options.topP) { keep = i + 1; break }
            }
            probs = Array(probs.prefix(keep))
            total = probs.reduce(0, +)
        }
        return draw(ids: candidates.lazy.map(\.id), weights: probs, total: total)
    }

    /// One seeded draw of an id with probability weight / total.
    private mutating func draw<C: Collection>(ids: C, weights: [Double], total: Double) -> Int32 where C.Element == Int32 {
        var r = Double.random(in: 0..<total, using: &generator)
        var last = ids.first!
        for (id, p) in zip(ids, weights) {
            r -= p
            if r < 0 { return id }
            if p > 0 { last = id }
        }
        return last
    }
}

extension Array where Element == (id: Int32, logit: Float) {
    /// The k largest by logit, sorted descending (a heap would be overkill at k << n).
    func partialSort(_ k: Int) -> ArraySlice<Element> {
        var top: [Element] = []
        top.reserveCapacity(k + 1)
        for e in self {
            if top.count == k, let last = top.last, e.logit <= last.logit { continue }
            var i = top.count
            while i > 0 && top[i - 1].logit < e.logit { i -= 1 }
            top.insert(e, at: i)
            if top.count > k { top.removeLast() }
        }
        return top[...]
    }
}

/// log-softmax helpers over one row of logits (Double accumulation).
enum LogSoftmax {
    static func logNormalizer(_ logits: UnsafePointer<Float>, count: Int) -> Double {
        whet_log_sum_exp(logits, Int32(count))
    }

    /// The `take` largest logits as ranked tokens (log-probabilities under normaliser
    /// `z`), most likely first, ties to the lower id.
    static func top(_ logits: UnsafePointer<Float>, count: Int, take: Int, normalizer z: Double) -> [RankedToken] {
        let k = min(take, count)
        guard k > 0 else { return [] }
        var best: [(id: Int32, logit: Float)] = []
        best.reserveCapacity(k + 1)
        for i in 0..<count {
            let v = logits[i]
            if best.count == k, v <= best[k - 1].logit { continue }
            var at = best.count
            while at > 0 && best[at - 1].logit < v { at -= 1 }
            best.insert((Int32(i), v), at: at)
            if best.count > k { best.removeLast() }
        }
        return best.map { RankedToken(id: $0.id, logprob: Double($0.logit) - z, logit: $0.logit) }
    }
}
