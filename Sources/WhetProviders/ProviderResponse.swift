import Foundation

/// Log-probability of one generated token, with the most likely alternatives at that position.
public struct TokenLogprob: Codable, Hashable, Sendable {
    public var token: String
    public var logprob: Double
    public var topAlternatives: [TokenAlternative]

    public init(token: String, logprob: Double, topAlternatives: [TokenAlternative] = []) {
        self.token = token
        self.logprob = logprob
        self.topAlternatives = topAlternatives
    }
}

public struct TokenAlternative: Codable, Hashable, Sendable {
    public var token: String
    public var logprob: Double

    public init(token: String, logprob: Double) {
        self.token = token
        self.logprob = logprob
    }
}

/// One sample of a response.
public struct ProviderChoice: Codable, Hashable, Sendable {
    public var index: Int
    public var text: String
    /// "stop", "length", or whatever the endpoint reported.
    public var finishReason: String?
    public var logprobs: [TokenLogprob]?

    public init(index: Int, text: String, finishReason: String? = nil, logprobs: [TokenLogprob]? = nil) {
        self.index = index
        self.text = text
        self.finishReason = finishReason
        self.logprobs = logprobs
    }
}

public struct TokenUsage: Codable, Hashable, Sendable {
    public var promptTokens: Int
    public var completionTokens: Int

    public init(promptTokens: Int = 0, completionTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    public var totalTokens: Int { promptTokens + completionTokens }

    public static func + (lhs: TokenUsage, rhs: TokenUsage) -> TokenUsage {
        TokenUsage(promptTokens: lhs.promptTokens + rhs.promptTokens,
                   completionTokens: lhs.completionTokens + rhs.completionTokens)
    }
}

/// The answer of a provider: the samples, the tokens they cost, and where they came from.
public struct ProviderResponse: Codable, Hashable, Sendable {
    public var model: String
    public var choices: [ProviderChoice]
    public var usage: TokenUsage
    /// Wall time of the call in seconds (0 for a cache hit).
    public var latency: Double
    /// True when every choice was answered from the response cache.
    public var fromCache: Bool

    public init(model: String, choices: [ProviderChoice], usage: TokenUsage, latency: Double = 0, fromCache: Bool = false) {
        self.model = model
        self.choices = choices
        self.usage = usage
        self.latency = latency
        self.fromCache = fromCache
    }

    /// The text of the first sample, the common case of n = 1.
    public var text: String { choices.first?.text ?? "" }
}
