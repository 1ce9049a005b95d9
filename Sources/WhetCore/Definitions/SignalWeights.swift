import Foundation

/// The signals a small local model and MiniLM give about one response to one instruction. A signals
/// judge (`verdict: {type: signals}`) compares two responses by the differences of these values.
public enum SignalName: String, CaseIterable, Codable, Sendable {
    /// Mean log-probability per token of the response given the instruction.
    case likelihood
    /// The same without the instruction (an empty user turn).
    case priorLikelihood = "prior_likelihood"
    /// likelihood - prior_likelihood: how much the instruction explains the response, per token.
    case relevance
    /// The summed log-probability gain from the instruction over the whole response.
    case relevanceTotal = "relevance_total"
    /// log-probability that the turn ends right after the response (finished, not cut off); -1.5 for a
    /// response longer than the clip, whose end the model does not see.
    case ending
    /// Mean log-probability per token of the instruction given the response ("what was asked?").
    case backLikelihood = "back_likelihood"
    /// MiniLM cosine similarity between the instruction and the response.
    case instructionSimilarity = "instruction_similarity"
    /// MiniLM cosine similarity between the reference answer and the response (0 without one).
    case referenceSimilarity = "reference_similarity"
    /// log(1 + words).
    case logWords = "log_words"
    /// 1 - distinct word trigrams / trigrams.
    case repetition
    /// Share of non-empty lines repeating an earlier line.
    case duplicateLines = "duplicate_lines"
    /// Share of the response's word trigrams copied from the instruction.
    case echo
    /// Violation in [0, 1] of the instruction's stated constraints (0 when it states none).
    case violation
    /// 1 for an empty response.
    case empty
    /// 1 when the response was longer than the clip and cut for the model signals.
    case clipped
    /// The model asked "which response is better, 1 or 2?" in both orders (PandaLM's prompt): half the
    /// difference of log p("1") - log p("2") between the orders. A pair signal, favouring the first output
    /// when positive.
    case verdict
}

/// How a signals judge turns signals into a verdict:
/// P(first better) = sigmoid(sum over weights of weight * (signal(first) - signal(second))),
/// a tie when |P - 0.5| <= tieMargin. No intercept, so swapping the outputs gives 1 - P exactly.
public struct SignalWeights: Sendable, Equatable {
    /// In file order.
    public var weights: [(name: SignalName, weight: Double)]
    /// Tokens kept of the instruction and of each response for the model signals.
    public var clipTokens: Int
    public var tieMargin: Double
    /// How the weights were fitted and measured (free text, shown by `whet validate`).
    public var fit: String?

    public init(weights: [(name: SignalName, weight: Double)], clipTokens: Int = 200, tieMargin: Double = 0, fit: String? = nil) {
        self.weights = weights
        self.clipTokens = clipTokens
        self.tieMargin = tieMargin
        self.fit = fit
    }

    public static func == (lhs: SignalWeights, rhs: SignalWeights) -> Bool {
        lhs.weights.map(\.name) == rhs.weights.map(\.name) && lhs.weights.map(\.weight) == rhs.weights.map(\.weight)
            && lhs.clipTokens == rhs.clipTokens && lhs.tieMargin == rhs.tieMargin && lhs.fit == rhs.fit
    }

    static func parse(_ node: YAMLNode) throws -> SignalWeights {
        try node.rejectUnknownKeys(["type", "weights", "clip_tokens", "tie_margin", "fit"])
        let weightsNode = try node.required("weights", "a mapping of signal name -> weight")
        var weights: [(name: SignalName, weight: Double)] = []
        for (key, value) in try weightsNode.mapping() {
            guard let name = SignalName(rawValue: key) else {
                throw value.error(.invalidValue, "unknown signal '\(key)'; expected one of: \(SignalName.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            weights.append((name, try value.double()))
        }
        guard !weights.isEmpty else { throw weightsNode.error(.emptyData, "expected at least one signal weight") }
        let clip = try node.optional("clip_tokens")
        let clipTokens = try clip?.int() ?? 200
        guard (8...4096).contains(clipTokens) else { throw clip!.error(.invalidValue, "expected 8 to 4096 tokens, found \(clipTokens)") }
        let margin = try node.optional("tie_margin")
        let tieMargin = try margin?.double() ?? 0
        guard (0..<0.5).contains(tieMargin) else { throw margin!.error(.invalidValue, "expected a margin in [0, 0.5), found \(tieMargin)") }
        return SignalWeights(weights: weights, clipTokens: clipTokens, tieMargin: tieMargin, fit: try node.optional("fit")?.string())
    }
}
