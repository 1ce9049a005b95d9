import Foundation
import WhetCore
import WhetEmbeddings
import WhetProviders

/// One response's signal values, plus the pair's verdict signal.
public struct PairSignals: Sendable, Codable, Equatable {
    public var first: [String: Double]
    public var second: [String: Double]
    /// The verdict signal (favouring `first` when positive).
    public var verdict: Double
    /// The model's raw label log-probabilities in each order: [log p("1"), log p("2"), log p("Tie")].
    public var verdictLogprobs: [String: [Double]]

    /// signal(first) - signal(second), and the verdict signal as it is.
    public func difference(_ name: SignalName) -> Double {
        name == .verdict ? verdict : (first[name.rawValue] ?? 0) - (second[name.rawValue] ?? 0)
    }
}

/// Computes `PairSignals` with the in-process model and MiniLM. Instruction and responses are
/// clipped to `clipTokens` tokens for every model signal, which bounds the cost of a judgment.
public struct SignalExtractor: Sendable {
    public let scorer: EngineScorer
    public let embedder: SentenceEmbedder?
    public let clipTokens: Int

    /// PandaLM's judge prompt (WeOpenML/PandaLM `build_pandalm_prompt`, without an input block).
    public static func verdictPrompt(instruction: String, first: String, second: String) -> String {
        "Below are two responses for a given task. The task is defined by the Instruction. Evaluate the responses "
            + "and generate a reference answer for the task.\n\n### Instruction:\n\(instruction)\n\n### Response 1:\n"
            + "\(first)\n\n### Response 2:\n\(second)\n\n### Evaluation:\n"
    }

    /// The ending signal of a response cut at the clip, where the true ending is not seen: the median
    /// of unclipped responses' values on LLMBar (-1.56), so a cut says nothing either way.
    public static let clippedEnding = -1.5

    /// Where computed signals are kept (the lineage store's response cache), so a pair judged again
    /// costs no forward pass; `readsCache` false only refreshes it (`--no-cache`).
    public let cache: ResponseCache?
    public let readsCache: Bool

    public init(scorer: EngineScorer, embedder: SentenceEmbedder?, clipTokens: Int = 200, cache: ResponseCache? = nil,
                readsCache: Bool = true) {
        self.scorer = scorer
        self.embedder = embedder
        self.clipTokens = clipTokens
        self.cache = cache
        self.readsCache = readsCache
    }

    private struct CacheMaterial: Encodable {
        var clipTokens: Int
        var embeddings: Bool
        var instruction: String
        var first: String
        var second: String
        var reference: String?
    }

    /// The cache entry of a pair's signals.
    public func cacheKey(instruction: String, first: String, second: String, reference: String?) throws -> ResponseCacheKey {
        try ResponseCacheKey.derived(kind: "pair-signals-v1", model: scorer.modelIdentity, material: CacheMaterial(
            clipTokens: clipTokens, embeddings: embedder != nil, instruction: instruction, first: first, second: second,
            reference: reference))
    }

    public func signals(instruction: String, first: String, second: String, reference: String?) async throws -> PairSignals {
        guard let cache else { return try await compute(instruction: instruction, first: first, second: second, reference: reference) }
        let key = try cacheKey(instruction: instruction, first: first, second: second, reference: reference)
        if readsCache, let hit = try await cache.lookup(key.hash),
           let stored = try? JSONDecoder().decode(PairSignals.self, from: Data(hit.choice.text.utf8)) {
            return stored
        }
        let started = Date()
        let signals = try await compute(instruction: instruction, first: first, second: second, reference: reference)
        // Values JSON cannot hold (an infinite log-probability) are simply not kept.
        if let json = try? JSONEncoder().encode(signals) {
            try await cache.store(key, model: scorer.modelIdentity,
                                  sample: CachedSample(choice: ProviderChoice(index: 0, text: String(decoding: json, as: UTF8.self)),
                                                       promptTokens: 0, completionTokens: 0),
                                  latency: Date().timeIntervalSince(started))
        }
        return signals
    }

    private func compute(instruction: String, first: String, second: String, reference: String?) async throws -> PairSignals {
        let x = scorer.clip(instruction, maxTokens: clipTokens)
        let responses = [scorer.clip(first, maxTokens: clipTokens), scorer.clip(second, maxTokens: clipTokens)]
        let end = scorer.endOfTurn.map { [$0] } ?? []
        let continuations = responses.map { scorer.tokens($0) + end }
        let conditional = try await scorer.logprobs(prompt: scorer.promptTokens(try scorer.chatPrompt(user: x)),
                                                    continuations: continuations)
        let prior = try await scorer.logprobs(prompt: scorer.promptTokens(try scorer.chatPrompt(user: "")),
                                              continuations: continuations)
        var back: [Double] = []
        let instructionTokens = scorer.tokens(x)
        for r in responses {
            let lp = instructionTokens.isEmpty ? [] : try await scorer.logprobs(
                prompt: scorer.promptTokens("Response:\n\(r)\n\nInstruction:\n"), continuations: [instructionTokens])[0]
            back.append(lp.isEmpty ? 0 : lp.reduce(0, +) / Double(lp.count))
        }
        let labels = ["1", "2", "Tie"].map { scorer.tokens($0) }
        var verdictLogprobs: [String: [Double]] = [:]
        for (name, pair) in [("ab", (responses[0], responses[1])), ("ba", (responses[1], responses[0]))] {
            let prompt = Self.verdictPrompt(instruction: x, first: pair.0, second: pair.1)
            let lp = try await scorer.logprobs(prompt: scorer.promptTokens(try scorer.chatPrompt(user: prompt)),
                                               continuations: labels)
            verdictLogprobs[name] = lp.map { $0.reduce(0, +) }
        }
        let ab = verdictLogprobs["ab"]!, ba = verdictLogprobs["ba"]!
        let verdict = ((ab[0] - ab[1]) - (ba[0] - ba[1])) / 2

        var similarity: [[Double]] = [[0, 0], [0, 0]]
        if let embedder {
            var texts = [instruction, first, second]
            if let reference { texts.append(reference) }
            let v = try embedder.embed(texts)
            for i in 0..<2 {
                similarity[0][i] = Double(Similarity.cosine(v[0], v[i + 1]))
                if reference != nil { similarity[1][i] = Double(Similarity.cosine(v[3], v[i + 1])) }
            }
        }
        var values: [[String: Double]] = [[:], [:]]
        for i in 0..<2 {
            let cond = conditional[i], unc = prior[i]
            let n = cond.count - end.count
            let condSum = cond.prefix(n).reduce(0, +), uncSum = unc.prefix(n).reduce(0, +)
            let text = TextSignals(instruction: instruction, response: [first, second][i])
            var v: [SignalName: Double] = [
                .likelihood: n > 0 ? condSum / Double(n) : 0,
                .priorLikelihood: n > 0 ? uncSum / Double(n) : 0,
                .relevanceTotal: condSum - uncSum,
                .ending: end.isEmpty ? 0 : (responses[i] == [first, second][i] ? cond.last! : Self.clippedEnding),
                .backLikelihood: back[i],
                .instructionSimilarity: similarity[0][i],
                .referenceSimilarity: similarity[1][i],
                .logWords: log(1 + Double(text.words)),
                .repetition: text.repetition,
                .duplicateLines: text.duplicateLines,
                .echo: text.echo,
                .violation: text.violation ?? 0,
                .empty: text.words == 0 ? 1 : 0,
                .clipped: responses[i] == [first, second][i] ? 0 : 1,
            ]
            v[.relevance] = v[.likelihood]! - v[.priorLikelihood]!
            values[i] = Dictionary(uniqueKeysWithValues: v.map { ($0.key.rawValue, $0.value) })
        }
        return PairSignals(first: values[0], second: values[1], verdict: verdict, verdictLogprobs: verdictLogprobs)
    }
}
