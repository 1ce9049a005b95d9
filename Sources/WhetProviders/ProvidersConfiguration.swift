import Foundation
import Yams

/// A model as the configuration file names it: in process, or behind OpenAI-compatible URLs.
public enum ModelEntry: Hashable, Sendable {
    /// `path` nil means the default GGUF found by `ModelLocator`.
    case local(name: String, path: String?, price: PriceTable?)
    case remote(RemoteEndpointConfiguration)

    public var name: String {
        switch self {
        case .local(let name, _, _): return name
        case .remote(let configuration): return configuration.name
        }
    }

    public var price: PriceTable? {
        switch self {
        case .local(_, _, let price): return price
        case .remote(let configuration): return configuration.price
        }
    }
}

/// The `models.yaml` (see `examples/endpoints.yaml` and `docs/providers.md`).
public struct ProvidersConfiguration: Hashable, Sendable {
    public var defaultModel: String?
    public var budget: Budget
    public var cachePath: String?
    public var models: [String: ModelEntry]

    public init(defaultModel: String? = nil, budget: Budget = .unlimited, cachePath: String? = nil,
                models: [String: ModelEntry] = [:]) {
        self.defaultModel = defaultModel
        self.budget = budget
        self.cachePath = cachePath
        self.models = models
    }

    public static func load(path: String) throws -> ProvidersConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ProviderError.configuration(file: path, field: "-", reason: "cannot read the file")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    public static func parse(_ yaml: String, file: String = "<config>") throws -> ProvidersConfiguration {
        let raw: RawFile
        do {
            raw = try YAMLDecoder().decode(RawFile.self, from: yaml)
        } catch let error as DecodingError {
            throw ProviderError.configuration(file: file, field: Self.field(of: error), reason: Self.reason(of: error))
        } catch {
            throw ProviderError.configuration(file: file, field: "-", reason: "not valid YAML: \(error)")
        }
        var models: [String: ModelEntry] = [:]
        for (name, entry) in raw.models ?? [:] {
            models[name] = try entry.resolve(name: name, file: file)
        }
        if let chosen = raw.defaultModel, models[chosen] == nil, chosen != "local" {
            throw ProviderError.configuration(file: file, field: "default_model",
                                              reason: "'\(chosen)' is not one of the models \(models.keys.sorted())")
        }
        let budget = Budget(maxCostUSD: raw.budget?.maxCostUSD, maxTokens: raw.budget?.maxTokens)
        return ProvidersConfiguration(defaultModel: raw.defaultModel, budget: budget, cachePath: raw.cache?.path,
                                      models: models)
    }

    private static func field(of error: DecodingError) -> String {
        let path: [CodingKey]
        switch error {
        case .keyNotFound(let key, let context): path = context.codingPath + [key]
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            path = context.codingPath
        @unknown default: path = []
        }
        return path.map(\.stringValue).joined(separator: ".")
    }

    private static func reason(of error: DecodingError) -> String {
        switch error {
        case .keyNotFound: return "is required"
        case .typeMismatch(let type, _): return "expected \(type)"
        case .valueNotFound(let type, _): return "expected \(type), found nothing"
        case .dataCorrupted(let context): return context.debugDescription
        @unknown default: return "\(error)"
        }
    }
}

private struct RawFile: Decodable {
    struct RawBudget: Decodable {
        var maxCostUSD: Double?
        var maxTokens: Int?
        enum CodingKeys: String, CodingKey {
            case maxCostUSD = "max_cost_usd"
            case maxTokens = "max_tokens"
        }
    }

    struct RawCache: Decodable { var path: String? }

    var defaultModel: String?
    var budget: RawBudget?
    var cache: RawCache?
    var models: [String: RawModel]?

    enum CodingKeys: String, CodingKey {
        case defaultModel = "default_model"
        case budget, cache, models
    }
}

private struct RawPrice: Decodable {
    var promptPerMillion: Double
    var completionPerMillion: Double
    enum CodingKeys: String, CodingKey {
        case promptPerMillion = "prompt_per_million"
        case completionPerMillion = "completion_per_million"
    }
}

private struct RawModel: Decodable {
    var provider: String?
    var path: String?
    var model: String?
    var baseURL: String?
    var endpoints: [String]?
    var apiKeyEnv: String?
    var maxConcurrency: Int?
    var timeoutSeconds: Double?
    var connectTimeoutSeconds: Double?
    var maxAttempts: Int?
    var retryBaseDelaySeconds: Double?
    var maxRetryAfterSeconds: Double?
    var logprobs: Bool?
    var price: RawPrice?

    enum CodingKeys: String, CodingKey {
        case provider, path, model, endpoints, logprobs, price
        case baseURL = "base_url"
        case apiKeyEnv = "api_key_env"
        case maxConcurrency = "max_concurrency"
        case timeoutSeconds = "timeout_seconds"
        case connectTimeoutSeconds = "connect_timeout_seconds"
        case maxAttempts = "max_attempts"
        case retryBaseDelaySeconds = "retry_base_delay_seconds"
        case maxRetryAfterSeconds = "max_retry_after_seconds"
    }

    func resolve(name: String, file: String) throws -> ModelEntry {
        let price = self.price.map { PriceTable(promptPerMillion: $0.promptPerMillion, completionPerMillion: $0.completionPerMillion) }
        let kind = provider ?? (path != nil ? "local" : "openai")
        switch kind {
        case "local":
            return .local(name: name, path: path, price: price)
        case "openai", "openai-compatible", "vllm", "ollama", "llama.cpp":
            let urls = (endpoints ?? []) + (baseURL.map { [$0] } ?? [])
            guard !urls.isEmpty else {
                throw ProviderError.configuration(file: file, field: "models.\(name).base_url",
                                                  reason: "a remote model needs base_url or endpoints")
            }
            for url in urls where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                throw ProviderError.configuration(file: file, field: "models.\(name).endpoints",
                                                  reason: "'\(url)' is not an http(s) URL")
            }
            if let maxConcurrency, maxConcurrency < 1 {
                throw ProviderError.configuration(file: file, field: "models.\(name).max_concurrency", reason: "must be at least 1")
            }
            let defaults = RetryPolicy()
            let retry = RetryPolicy(maxAttempts: max(1, maxAttempts ?? defaults.maxAttempts),
                                    baseDelay: retryBaseDelaySeconds ?? defaults.baseDelay,
                                    maxRetryAfter: maxRetryAfterSeconds ?? defaults.maxRetryAfter)
            return .remote(RemoteEndpointConfiguration(
                name: name, model: model ?? name, baseURLs: urls, apiKeyEnvironmentVariable: apiKeyEnv,
                maxConcurrency: maxConcurrency ?? 8, connectTimeout: connectTimeoutSeconds ?? 10,
                timeout: timeoutSeconds ?? 120, retry: retry, supportsLogprobs: logprobs ?? true, price: price))
        default:
            throw ProviderError.configuration(file: file, field: "models.\(name).provider",
                                              reason: "'\(kind)' is not one of local, openai, vllm, ollama, llama.cpp")
        }
    }
}
