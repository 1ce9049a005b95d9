import Foundation
import WhetCore

/// Maps a parsed `ModelSpec` to a provider: the in-process engine or an OpenAI-compatible endpoint,
/// wrapped with the response cache, the ledger and the budget.
public enum ProviderFactory {
    /// Opens the in-process engine for a GGUF path (nil: the embedded default).
    public typealias LocalBackendLoader = @Sendable (_ path: String?) throws -> LocalModelBackend

    /// Known OpenAI list prices (USD per million tokens), used when the configuration gives none.
    public static let knownOpenAIPrices: [String: PriceTable] = [
        "gpt-4o-mini": PriceTable(promptPerMillion: 0.15, completionPerMillion: 0.60),
        "gpt-4o": PriceTable(promptPerMillion: 2.50, completionPerMillion: 10.00),
        "gpt-4.1-mini": PriceTable(promptPerMillion: 0.40, completionPerMillion: 1.60),
        "gpt-4.1-nano": PriceTable(promptPerMillion: 0.10, completionPerMillion: 0.40),
    ]

    /// `spec` nil: the configuration's default model, else the embedded one. The ledger defaults to one
    /// enforcing the configuration's budget.
    public static func makeProvider(spec: ModelSpec?, configuration: ProvidersConfiguration = ProvidersConfiguration(),
                                    cache: ResponseCache?, cachePolicy: CachePolicy = .readWrite,
                                    ledger: UsageLedger? = nil, maxBatch: Int = 16,
                                    loadLocal: LocalBackendLoader = LlamaEngineBackend.load) throws -> ManagedProvider {
        let (base, price) = try makeBase(spec: spec, configuration: configuration, maxBatch: maxBatch, loadLocal: loadLocal)
        return ManagedProvider(base: base, cache: cachePolicy == .disabled ? nil : cache, cachePolicy: cachePolicy,
                               ledger: ledger ?? UsageLedger(budget: configuration.budget), price: price)
    }

    /// The provider alone, without cache or ledger (what `whet serve` serves), and its price.
    /// `maxBatch`: most sequences the local engine decodes together.
    public static func makeBase(spec: ModelSpec?, configuration: ProvidersConfiguration = ProvidersConfiguration(),
                                maxBatch: Int = 16,
                                loadLocal: LocalBackendLoader = LlamaEngineBackend.load) throws -> (ModelProvider, PriceTable?) {
        let model = try resolve(spec ?? configuration.defaultModel ?? .embeddedDefault, configuration: configuration)
        switch model.spec {
        case .local(let path):
            return (LocalProvider(backend: try loadLocal(path), maxBatch: maxBatch), model.price)
        case .endpoint(let endpoint):
            let name = spec?.description ?? model.spec.description
            let price = model.price ?? (endpoint.baseURLs == ["https://api.openai.com/v1"] ? knownOpenAIPrices[endpoint.model] : nil)
            return (OpenAICompatibleProvider(configuration: RemoteEndpointConfiguration(
                name: name, endpoint: endpoint, connection: model.connection, price: price)), price)
        case .named:
            throw ProviderError.invalidRequest(reason: "a configured model cannot name another one")
        }
    }

    /// A configured name looks itself up; `local` prefers a configured `local` entry.
    static func resolve(_ spec: ModelSpec, configuration: ProvidersConfiguration) throws -> ConfiguredModel {
        switch spec {
        case .named(let name):
            guard let entry = configuration.models[name] else {
                let known = configuration.models.keys.sorted()
                throw ModelSpecError(spec: name, reason: "not a configured model"
                    + (known.isEmpty ? " (no --config given)" : " (configured: \(known.joined(separator: ", ")))")
                    + "; expected default, a .gguf path, openai:NAME, ollama:NAME or URL#NAME")
            }
            return entry
        case .local(nil):
            if let entry = configuration.models["local"], case .local = entry.spec { return entry }
            return ConfiguredModel(spec: spec)
        default:
            return ConfiguredModel(spec: spec)
        }
    }
}
