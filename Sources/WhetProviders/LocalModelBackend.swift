import Foundation
import WhetCore

/// One sequence to generate in the in-process engine (one sample: `n` is expanded before this).
public struct LocalGenerationJob: Hashable, Sendable {
    public var prompt: String
    public var temperature: Double
    public var topP: Double
    public var maxTokens: Int
    public var stop: [String]
    public var seed: UInt64
    /// Alternatives wanted per generated token; nil when no log-probabilities are wanted at all.
    public var topLogprobs: Int?

    public init(prompt: String, temperature: Double, topP: Double, maxTokens: Int, stop: [String], seed: UInt64,
                topLogprobs: Int?) {
        self.prompt = prompt
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.stop = stop
        self.seed = seed
        self.topLogprobs = topLogprobs
    }
}

public struct LocalGeneration: Hashable, Sendable {
    public var text: String
    public var logprobs: [TokenLogprob]?
    public var promptTokens: Int
    public var completionTokens: Int
    /// "stop" (end of turn or a stop sequence) or "length".
    public var finishReason: String

    public init(text: String, logprobs: [TokenLogprob]?, promptTokens: Int, completionTokens: Int, finishReason: String) {
        self.text = text
        self.logprobs = logprobs
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.finishReason = finishReason
    }
}

/// What the providers and `whet serve` need from an in-process model. The engine adapter implements it;
/// tests use a deterministic stand-in. Implementations do their heavy compute off the Swift
/// cooperative pool.
public protocol LocalModelBackend: Sendable {
    var modelName: String { get }
    /// What the response cache keys on (see `ModelProvider.cacheIdentity`).
    var cacheIdentity: String { get }
    /// The context window in tokens.
    var contextLength: Int { get }
    /// The model's chat template applied to `messages`, ending where the assistant's reply starts.
    func renderChat(_ messages: [ChatMessage]) throws -> String
    func countTokens(_ text: String) throws -> Int
    /// Generates every job, batched into one decoding loop where the engine can.
    func generate(_ jobs: [LocalGenerationJob]) async throws -> [LocalGeneration]
    /// The total log-probability of each label as the continuation of `prompt`.
    func labelLogprobs(prompt: String, labels: [String]) async throws -> [Double]
}

extension LocalModelBackend {
    public var cacheIdentity: String { modelName }
}
