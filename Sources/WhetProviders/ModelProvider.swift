import Foundation

/// How a label was picked by `choose(among:)`.
public enum LabelChoiceMethod: String, Codable, Sendable {
    /// From the log-probabilities the model gave each label.
    case logprobs
    /// From generated text that was parsed for a label.
    case generated
    /// Generated text that names none of the labels: `label` is empty, every probability 0, and
    /// `reply` holds the text. A wrong answer to score, not an error: one chatty reply must not end a run.
    case unparsed
}

/// The label a model picked, and, where known, the probability it gave each label (normalised over the labels).
public struct LabelChoice: Codable, Hashable, Sendable {
    public var label: String
    public var probabilities: [String: Double]
    public var method: LabelChoiceMethod
    public var usage: TokenUsage
    /// Each label's total log-probability as the continuation, where the provider computes it exactly
    /// (calibration and per-token means need the raw values, not the normalised ones).
    public var logprobs: [String: Double]?
    /// Tokens of each label, alongside `logprobs`.
    public var tokenCounts: [String: Int]?
    /// The generated text the label was read from (`generated` and `unparsed`).
    public var reply: String?

    public init(label: String, probabilities: [String: Double], method: LabelChoiceMethod, usage: TokenUsage,
                logprobs: [String: Double]? = nil, tokenCounts: [String: Int]? = nil, reply: String? = nil) {
        self.label = label
        self.probabilities = probabilities
        self.method = method
        self.usage = usage
        self.logprobs = logprobs
        self.tokenCounts = tokenCounts
        self.reply = reply
    }

    /// What to show and score as the model's answer: the label, or the reply that named none.
    public var answerText: String { method == .unparsed ? (reply ?? "") : label }
}

/// A model, in process or behind HTTP: the rest of Whetstone cannot and must not tell them apart.
public protocol ModelProvider: Sendable {
    /// The model's name as reported in responses.
    var modelName: String { get }

    /// What the response cache keys on (by default `modelName`); local models add the
    /// file and the engine's arithmetic version.
    var cacheIdentity: String { get }

    /// Chat or completion, with `options.n` samples.
    func complete(_ request: ProviderRequest) async throws -> ProviderResponse

    /// Picks one of `labels` as the continuation of `input`: by log-probability where the provider
    /// supports it, else by generating and parsing.
    func choose(among labels: [String], for input: ProviderInput) async throws -> LabelChoice
}

extension ModelProvider {
    public var cacheIdentity: String { modelName }

    public func choose(among labels: [String], for input: ProviderInput) async throws -> LabelChoice {
        try await chooseByGenerating(among: labels, for: input)
    }

    /// The fallback every provider has: greedy generation, then the first label named in the reply
    /// (`unparsed` when it names none).
    public func chooseByGenerating(among labels: [String], for input: ProviderInput) async throws -> LabelChoice {
        guard !labels.isEmpty else { throw ProviderError.invalidRequest(reason: "choose(among:) needs at least one label") }
        let longest = labels.map(\.count).max() ?? 1
        let options = GenerationOptions(n: 1, temperature: 0, maxTokens: max(8, longest + 8))
        let response = try await complete(ProviderRequest(input: input, options: options))
        let label = LabelParser.firstLabel(in: response.text, among: labels)
        var probabilities: [String: Double] = [:]
        for candidate in labels { probabilities[candidate] = candidate == label ? 1 : 0 }
        return LabelChoice(label: label ?? "", probabilities: probabilities, method: label == nil ? .unparsed : .generated,
                           usage: response.usage, reply: response.text)
    }
}

/// Finds which label a free-text reply names.
public enum LabelParser {
    /// The label whose normalised form the reply starts with; else the label appearing earliest in it.
    /// Longer labels win ties so that "not spam" is not read as "spam".
    public static func firstLabel(in reply: String, among labels: [String]) -> String? {
        let text = normalise(reply)
        let ordered = labels.sorted { $0.count > $1.count }
        if let exact = ordered.first(where: { !normalise($0).isEmpty && (text + " ").hasPrefix(normalise($0) + " ") }) {
            return exact
        }
        // Whole words only: "no" is not in "cannot".
        let padded = " \(text) "
        var best: (label: String, offset: Int)?
        for label in ordered {
            let needle = normalise(label)
            guard !needle.isEmpty, let range = padded.range(of: " \(needle) ") else { continue }
            let offset = padded.distance(from: padded.startIndex, to: range.lowerBound)
            if best == nil || offset < best!.offset { best = (label, offset) }
        }
        return best?.label
    }

    static func normalise(_ text: String) -> String {
        let lowered = text.lowercased()
        let kept = lowered.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? Character($0) : " " }
        return String(kept).split(separator: " ").joined(separator: " ")
    }

    /// Normalised probabilities over labels from the alternatives offered at the first generated token:
    /// each label takes the mass of the alternatives that are a prefix of it (case and leading space ignored).
    /// Nil when no alternative matches any label.
    public static func probabilities(from alternatives: [TokenAlternative], labels: [String]) -> [String: Double]? {
        var mass: [String: Double] = [:]
        for alternative in alternatives {
            let piece = alternative.token.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            guard !piece.isEmpty else { continue }
            let matching = labels.filter { $0.lowercased().hasPrefix(piece) }
            guard !matching.isEmpty else { continue }
            // A token shared by several labels says nothing between them: split its mass evenly.
            let share = exp(alternative.logprob) / Double(matching.count)
            for label in matching { mass[label, default: 0] += share }
        }
        let total = mass.values.reduce(0, +)
        guard total > 0 else { return nil }
        var result: [String: Double] = [:]
        for label in labels { result[label] = (mass[label] ?? 0) / total }
        return result
    }
}
