import Foundation
import WhetCore

/// A model the configuration names: which model (a local or endpoint `ModelSpec`, in the same grammar
/// as `--model`) and how to talk to it.
public struct ConfiguredModel: Hashable, Sendable {
    public var spec: ModelSpec
    public var connection: EndpointConnection
    public var price: PriceTable?

    public init(spec: ModelSpec, connection: EndpointConnection = EndpointConnection(), price: PriceTable? = nil) {
        self.spec = spec
        self.connection = connection
        self.price = price
    }
}

/// How hard to push an endpoint: concurrency, timeouts and retries.
public struct EndpointConnection: Hashable, Sendable {
    public var maxConcurrency: Int
    public var connectTimeout: Double
    public var timeout: Double
    public var retry: RetryPolicy

    public init(maxConcurrency: Int = 8, connectTimeout: Double = 10, timeout: Double = 120, retry: RetryPolicy = RetryPolicy()) {
        self.maxConcurrency = maxConcurrency
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.retry = retry
    }
}

/// The `models.yaml` (see `examples/endpoints.yaml` and `docs/providers.md`). Errors name the file,
/// line and field, like every other file Whetstone reads.
public struct ProvidersConfiguration: Hashable, Sendable {
    public var defaultModel: ModelSpec?
    public var budget: Budget
    public var models: [String: ConfiguredModel]

    public init(defaultModel: ModelSpec? = nil, budget: Budget = .unlimited, models: [String: ConfiguredModel] = [:]) {
        self.defaultModel = defaultModel
        self.budget = budget
        self.models = models
    }

    static let connectionKeys: Set<String> = [
        "max_concurrency", "timeout_seconds", "connect_timeout_seconds", "max_attempts", "retry_base_delay_seconds",
        "max_retry_after_seconds", "price",
    ]

    public static func load(path: String) throws -> ProvidersConfiguration {
        let text = try TextFileReader.read(URL(fileURLWithPath: path), limit: TextFileReader.definitionLimit)
        return try parse(text, file: path)
    }

    public static func parse(_ yaml: String, file: String = "models.yaml") throws -> ProvidersConfiguration {
        let root = try YAMLNode.parse(yaml, file: file)
        if root.isNull { return ProvidersConfiguration() }
        guard root.isMapping else { throw root.error(.wrongType, "a mapping with models, default_model and budget") }
        if let cache = try root.optional("cache") {
            throw cache.error(.invalidValue, "not a configuration field: the response cache lives in the lineage store (--db)")
        }
        try root.rejectUnknownKeys(["default_model", "budget", "models"])
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        var models: [String: ConfiguredModel] = [:]
        for (name, node) in try root.optional("models")?.mapping() ?? [] {
            guard node.isMapping else { throw node.error(.wrongType, "a mapping describing model '\(name)'") }
            let spec = try ModelSpec.parse(node, relativeTo: base, extraKeys: connectionKeys)
            models[name] = ConfiguredModel(spec: spec, connection: try connection(node), price: try price(node))
        }
        var defaultModel: ModelSpec?
        if let node = try root.optional("default_model") {
            let spec = try ModelSpec.parse(node, relativeTo: base)
            if case .named(let name) = spec, models[name] == nil {
                throw node.error(.invalidValue, "'\(name)' is not one of the models \(models.keys.sorted())")
            }
            defaultModel = spec
        }
        return ProvidersConfiguration(defaultModel: defaultModel, budget: try root.optional("budget").map(Budget.parse) ?? .unlimited,
                                      models: models)
    }

    private static func connection(_ node: YAMLNode) throws -> EndpointConnection {
        func positive(_ key: String) throws -> Double? {
            guard let n = try node.optional(key) else { return nil }
            let value = try n.double()
            guard value > 0 else { throw n.error(.invalidValue, "expected a positive number, found \(value)") }
            return value
        }
        let defaults = EndpointConnection()
        var concurrency = defaults.maxConcurrency
        if let n = try node.optional("max_concurrency") {
            concurrency = try n.int()
            guard concurrency >= 1 else { throw n.error(.invalidValue, "expected at least 1, found \(concurrency)") }
        }
        var attempts = defaults.retry.maxAttempts
        if let n = try node.optional("max_attempts") {
            attempts = try n.int()
            guard attempts >= 1 else { throw n.error(.invalidValue, "expected at least 1 (the first try), found \(attempts)") }
        }
        let retry = RetryPolicy(maxAttempts: attempts, baseDelay: try positive("retry_base_delay_seconds") ?? defaults.retry.baseDelay,
                                maxRetryAfter: try positive("max_retry_after_seconds") ?? defaults.retry.maxRetryAfter)
        return EndpointConnection(maxConcurrency: concurrency,
                                  connectTimeout: try positive("connect_timeout_seconds") ?? defaults.connectTimeout,
                                  timeout: try positive("timeout_seconds") ?? defaults.timeout, retry: retry)
    }

    private static func price(_ node: YAMLNode) throws -> PriceTable? {
        guard let p = try node.optional("price") else { return nil }
        try p.rejectUnknownKeys(["prompt_per_million", "completion_per_million"])
        return PriceTable(promptPerMillion: try p.required("prompt_per_million", "USD per million prompt tokens").double(),
                          completionPerMillion: try p.required("completion_per_million", "USD per million completion tokens").double())
    }
}
