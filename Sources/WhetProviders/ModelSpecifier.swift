import Foundation

/// Reads a `--model` value: a name from the configuration, `local`, a `.gguf` path,
/// `openai:MODEL`, `ollama:MODEL`, or `http(s)://HOST/v1#MODEL`.
public enum ModelSpecifier {
    /// Known OpenAI list prices (USD per million tokens) used when the configuration gives none.
    /// A configuration entry's `price` always wins: these change.
    public static let knownOpenAIPrices: [String: PriceTable] = [
        "gpt-4o-mini": PriceTable(promptPerMillion: 0.15, completionPerMillion: 0.60),
        "gpt-4o": PriceTable(promptPerMillion: 2.50, completionPerMillion: 10.00),
        "gpt-4.1-mini": PriceTable(promptPerMillion: 0.40, completionPerMillion: 1.60),
        "gpt-4.1-nano": PriceTable(promptPerMillion: 0.10, completionPerMillion: 0.40),
    ]

    public static func resolve(_ spec: String, configuration: ProvidersConfiguration = ProvidersConfiguration()) throws -> ModelEntry {
        let trimmed = spec.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw ProviderError.modelSpecifier(spec: spec, reason: "is empty") }
        if let entry = configuration.models[trimmed] { return entry }
        if trimmed == "local" { return .local(name: "local", path: nil, price: nil) }
        if trimmed.hasPrefix("http://") || trimmed.hasPrefix("https://") {
            return try url(trimmed)
        }
        if let colon = trimmed.firstIndex(of: ":"), !trimmed.hasPrefix("/"), !trimmed.hasPrefix(".") {
            let scheme = String(trimmed[..<colon])
            let model = String(trimmed[trimmed.index(after: colon)...])
            guard !model.isEmpty else { throw ProviderError.modelSpecifier(spec: spec, reason: "no model name after '\(scheme):'") }
            switch scheme {
            case "openai":
                return .remote(RemoteEndpointConfiguration(
                    name: trimmed, model: model, baseURLs: ["https://api.openai.com/v1"],
                    apiKeyEnvironmentVariable: "OPENAI_API_KEY", price: knownOpenAIPrices[model]))
            case "ollama":
                return .remote(RemoteEndpointConfiguration(
                    name: trimmed, model: model, baseURLs: ["http://127.0.0.1:11434/v1"], supportsLogprobs: false))
            default:
                throw ProviderError.modelSpecifier(spec: spec, reason: "unknown prefix '\(scheme):' (use openai: or ollama:)")
            }
        }
        if trimmed.hasSuffix(".gguf") || FileManager.default.fileExists(atPath: trimmed) {
            guard FileManager.default.fileExists(atPath: trimmed) else {
                throw ProviderError.modelSpecifier(spec: spec, reason: "no such GGUF file")
            }
            return .local(name: (trimmed as NSString).lastPathComponent, path: trimmed, price: nil)
        }
        let known = configuration.models.keys.sorted()
        throw ProviderError.modelSpecifier(spec: spec, reason: "not a configured model\(known.isEmpty ? "" : " (\(known.joined(separator: ", ")))"), "
            + "'local', a .gguf path, openai:MODEL, ollama:MODEL or http://HOST:PORT/v1#MODEL")
    }

    /// `http://127.0.0.1:8080/v1#name`: the fragment is the model id sent to the server.
    private static func url(_ spec: String) throws -> ModelEntry {
        let parts = spec.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        let base = String(parts[0])
        let model = parts.count > 1 ? String(parts[1]) : ""
        guard URL(string: base)?.host != nil else {
            throw ProviderError.modelSpecifier(spec: spec, reason: "'\(base)' is not a URL with a host")
        }
        guard !model.isEmpty else {
            throw ProviderError.modelSpecifier(spec: spec, reason: "name the model after '#', e.g. \(base)#my-model")
        }
        return .remote(RemoteEndpointConfiguration(name: spec, model: model, baseURLs: [base]))
    }
}
