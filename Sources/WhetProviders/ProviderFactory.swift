import Foundation
import WhetCore

/// Builds the provider a `--model` value names, wrapped with the cache, the ledger and the budget.
public enum ProviderFactory {
    /// Opens the in-process engine for a GGUF path (nil: the default model under `models/`).
    public typealias LocalBackendLoader = @Sendable (_ path: String?) throws -> LocalModelBackend

    public static func makeProvider(spec: String?, configuration: ProvidersConfiguration = ProvidersConfiguration(),
                                    cachePath: String?, cachePolicy: CachePolicy = .readWrite,
                                    ledger: UsageLedger? = nil,
                                    loadLocal: LocalBackendLoader = EngineBackendLoader.load) throws -> ManagedProvider {
        let entry = try ModelSpecifier.resolve(spec ?? configuration.defaultModel ?? "local", configuration: configuration)
        let base: ModelProvider
        switch entry {
        case .local(_, let path, _):
            base = LocalProvider(backend: try loadLocal(path))
        case .remote(let remote):
            base = OpenAICompatibleProvider(configuration: remote)
        }
        let cache: ResponseCache? = try (cachePolicy == .disabled ? nil : (cachePath ?? configuration.cachePath).map {
            try SQLiteResponseCache(path: $0)
        })
        return ManagedProvider(base: base, cache: cache, cachePolicy: cachePolicy,
                               ledger: ledger ?? UsageLedger(budget: configuration.budget), price: entry.price)
    }

    /// The GGUF file a local entry means: its path, or the default one `scripts/setup` installs.
    public static func ggufPath(_ path: String?) throws -> String {
        if let path { return path }
        do {
            return try ModelLocator.defaultGGUF().path
        } catch {
            throw ProviderError.localModel(reason: "no GGUF model given and none found: \(error.localizedDescription)")
        }
    }
}
