import Foundation
import WhetCore

/// What is sent to a model: a chat conversation or a raw completion prompt.
public enum ProviderInput: Codable, Hashable, Sendable {
    case chat([ChatMessage])
    case completion(String)
}

/// Sampling and output options shared by the chat and completion APIs.
public struct GenerationOptions: Codable, Hashable, Sendable {
    /// Number of samples wanted for this input.
    public var n: Int
    public var temperature: Double
    public var topP: Double
    public var maxTokens: Int
    public var stop: [String]
    public var seed: UInt64?
    /// Whether to return per-token log-probabilities of the generated text.
    public var logprobs: Bool
    /// How many alternatives to return per generated token (0 = none).
    public var topLogprobs: Int

    public init(n: Int = 1, temperature: Double = 0, topP: Double = 1, maxTokens: Int = 256,
                stop: [String] = [], seed: UInt64? = nil, logprobs: Bool = false, topLogprobs: Int = 0) {
        self.n = n
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.stop = stop
        self.seed = seed
        self.logprobs = logprobs
        self.topLogprobs = topLogprobs
    }
}

/// A full request to a provider. The model is not part of it: a provider is bound to one model.
public struct ProviderRequest: Codable, Hashable, Sendable {
    public var input: ProviderInput
    public var options: GenerationOptions

    public init(input: ProviderInput, options: GenerationOptions = GenerationOptions()) {
        self.input = input
        self.options = options
    }

    public static func chat(_ messages: [ChatMessage], _ options: GenerationOptions = GenerationOptions()) -> ProviderRequest {
        ProviderRequest(input: .chat(messages), options: options)
    }

    public static func completion(_ prompt: String, _ options: GenerationOptions = GenerationOptions()) -> ProviderRequest {
        ProviderRequest(input: .completion(prompt), options: options)
    }

    /// Characters of input text; used for the pre-call token estimate of remote models.
    var inputCharacterCount: Int {
        switch input {
        case .chat(let messages): return messages.reduce(0) { $0 + $1.content.count + $1.role.rawValue.count + 4 }
        case .completion(let prompt): return prompt.count
        }
    }
}
