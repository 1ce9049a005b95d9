import Foundation
import WhetCore

/// How to reach one model over an OpenAI-compatible API. Holds the *name* of the environment variable
/// with the API key, never the key.
public struct RemoteEndpointConfiguration: Hashable, Sendable {
    /// The name Whetstone knows the model by (a config entry or the `--model` value).
    public var name: String
    /// The model id sent in the request body.
    public var model: String
    /// One or more base URLs ending in the API version (`.../v1`), all serving `model`.
    public var baseURLs: [String]
    public var apiKeyEnvironmentVariable: String?
    public var maxConcurrency: Int
    public var connectTimeout: Double
    public var timeout: Double
    public var retry: RetryPolicy
    /// Whether the endpoint returns `logprobs`/`top_logprobs` (OpenAI, vLLM, llama.cpp, `whet serve` do).
    public var supportsLogprobs: Bool
    public var price: PriceTable?
    /// Endpoint health: failures in a row before a cool-down, and the first cool-down's length.
    public var failuresBeforeCooldown: Int
    public var cooldown: Double

    public init(name: String, model: String, baseURLs: [String], apiKeyEnvironmentVariable: String? = nil,
                maxConcurrency: Int = 8, connectTimeout: Double = 10, timeout: Double = 120,
                retry: RetryPolicy = RetryPolicy(), supportsLogprobs: Bool = true, price: PriceTable? = nil,
                failuresBeforeCooldown: Int = 2, cooldown: Double = 5) {
        self.name = name
        self.model = model
        self.baseURLs = baseURLs
        self.apiKeyEnvironmentVariable = apiKeyEnvironmentVariable
        self.maxConcurrency = maxConcurrency
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.retry = retry
        self.supportsLogprobs = supportsLogprobs
        self.price = price
        self.failuresBeforeCooldown = failuresBeforeCooldown
        self.cooldown = cooldown
    }

    public init(name: String, endpoint: ModelSpec.Endpoint, connection: EndpointConnection = EndpointConnection(),
                price: PriceTable? = nil) {
        self.init(name: name, model: endpoint.model, baseURLs: endpoint.baseURLs, apiKeyEnvironmentVariable: endpoint.apiKeyEnv,
                  maxConcurrency: connection.maxConcurrency, connectTimeout: connection.connectTimeout,
                  timeout: connection.timeout, retry: connection.retry, supportsLogprobs: endpoint.supportsLogprobs,
                  price: price)
    }
}

/// Dollars per million tokens.
public struct PriceTable: Codable, Hashable, Sendable {
    public var promptPerMillion: Double
    public var completionPerMillion: Double

    public init(promptPerMillion: Double, completionPerMillion: Double) {
        self.promptPerMillion = promptPerMillion
        self.completionPerMillion = completionPerMillion
    }

    public func cost(of usage: TokenUsage) -> Double {
        (Double(usage.promptTokens) * promptPerMillion + Double(usage.completionTokens) * completionPerMillion) / 1_000_000
    }
}

/// Counts of what went over the wire for one remote model.
public struct NetworkStatistics: Hashable, Sendable {
    /// HTTP exchanges attempted, retries included.
    public var attempts = 0
    public var successes = 0
    public var retries = 0
    public var rateLimited = 0
    public var serverErrors = 0
    public var timeouts = 0
    public var connectionFailures = 0
    public var malformedResponses = 0
    /// Tokens reported by successful responses.
    public var usage = TokenUsage()

    public init() {}
}
