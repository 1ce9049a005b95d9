import Foundation

/// Which model runs the prompts. One grammar for a task file's `model:`, `--model`, `--judge-model`,
/// `--optimizer-model` and the endpoint configuration (docs/formats.md, docs/providers.md):
///
///     default | local                       the embedded GGUF under models/, in process
///     path/to/model.gguf                    another GGUF, in process
///     openai:NAME                           api.openai.com, key in OPENAI_API_KEY
///     ollama:NAME                           Ollama on 127.0.0.1:11434 (no log-probabilities)
///     http(s)://HOST[:PORT]/v1#NAME         any OpenAI-compatible endpoint; NAME is the model id sent
///     NAME                                  a model named in the configuration (models.yaml)
///
/// Endpoint forms take options after `?`: `?api_key_env=VAR&logprobs=false`. In YAML the same spec can
/// be a mapping: `{path: PATH}` or `{base_url: URL, model: NAME, api_key_env: VAR, logprobs: BOOL}`.
public enum ModelSpec: Hashable, Sendable {
    /// The in-process engine on a GGUF file; nil is the embedded default.
    case local(path: String?)
    case endpoint(Endpoint)
    /// A model the configuration names; resolved when a provider is made.
    case named(String)

    public struct Endpoint: Hashable, Sendable {
        /// Base URLs ending in the API version (`.../v1`), all serving `model`.
        public var baseURLs: [String]
        /// The model id sent in the request body.
        public var model: String
        /// The name of the environment variable holding the API key, never the key.
        public var apiKeyEnv: String?
        /// Whether the endpoint returns `logprobs`/`top_logprobs`.
        public var supportsLogprobs: Bool

        public init(baseURLs: [String], model: String, apiKeyEnv: String? = nil, supportsLogprobs: Bool = true) {
            self.baseURLs = baseURLs
            self.model = model
            self.apiKeyEnv = apiKeyEnv
            self.supportsLogprobs = supportsLogprobs
        }
    }

    public static let embeddedDefault = ModelSpec.local(path: nil)
    public static let mappingKeys: Set<String> = ["path", "provider", "base_url", "endpoints", "model", "api_key_env", "logprobs"]
    static let providers = ["local", "openai", "openai-compatible", "vllm", "ollama", "llama.cpp"]

    /// Reads the string form; relative `.gguf` paths resolve against `base` (a task file's folder, or
    /// the working directory for command-line options).
    public static func parse(_ text: String, relativeTo base: URL? = nil) throws -> ModelSpec {
        let spec = text.trimmingCharacters(in: .whitespaces)
        guard !spec.isEmpty else { throw ModelSpecError(spec: text, reason: "is empty") }
        var head = spec
        var options: [String: String] = [:]
        if let q = spec.firstIndex(of: "?") {
            head = String(spec[..<q])
            for pair in spec[spec.index(after: q)...].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2, !kv[1].isEmpty, ["api_key_env", "logprobs"].contains(kv[0]) else {
                    throw ModelSpecError(spec: text, reason: "unknown option '\(pair)'; expected api_key_env=VAR or logprobs=true|false")
                }
                options[kv[0]] = kv[1]
            }
        }
        var result = try parseHead(head, original: text, base: base)
        guard case .endpoint(var endpoint) = result else {
            if !options.isEmpty { throw ModelSpecError(spec: text, reason: "options after '?' apply to endpoints only") }
            return result
        }
        if let env = options["api_key_env"] { endpoint.apiKeyEnv = env }
        if let flag = options["logprobs"] {
            guard let value = Bool(flag) else { throw ModelSpecError(spec: text, reason: "logprobs must be true or false") }
            endpoint.supportsLogprobs = value
        }
        result = .endpoint(endpoint)
        return result
    }

    private static func parseHead(_ head: String, original: String, base: URL?) throws -> ModelSpec {
        if head == "default" || head == "local" { return .embeddedDefault }
        if head.hasPrefix("http://") || head.hasPrefix("https://") {
            let parts = head.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard URL(string: parts[0])?.host != nil else {
                throw ModelSpecError(spec: original, reason: "'\(parts[0])' is not a URL with a host")
            }
            guard parts.count == 2, !parts[1].isEmpty else {
                throw ModelSpecError(spec: original, reason: "name the model after '#', e.g. \(parts[0])#my-model")
            }
            return .endpoint(Endpoint(baseURLs: [parts[0]], model: parts[1]))
        }
        if head.hasSuffix(".gguf") { return .local(path: resolve(head, base)) }
        if let colon = head.firstIndex(of: ":") {
            let scheme = String(head[..<colon]), name = String(head[head.index(after: colon)...])
            guard !name.isEmpty else { throw ModelSpecError(spec: original, reason: "no model name after '\(scheme):'") }
            switch scheme {
            case "openai":
                return .endpoint(Endpoint(baseURLs: ["https://api.openai.com/v1"], model: name, apiKeyEnv: "OPENAI_API_KEY"))
            case "ollama":
                return .endpoint(Endpoint(baseURLs: ["http://127.0.0.1:11434/v1"], model: name, supportsLogprobs: false))
            default:
                throw ModelSpecError(spec: original, reason: "unknown prefix '\(scheme):' (use openai: or ollama:)")
            }
        }
        guard head.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw ModelSpecError(spec: original, reason: "expected default, a .gguf path, openai:NAME, ollama:NAME, URL#NAME or a configured model name")
        }
        return .named(head)
    }

    /// Reads a YAML value: the string form, or the mapping form. `extraKeys` are further keys the caller
    /// reads itself (the configuration's concurrency, retries and price).
    public static func parse(_ node: YAMLNode, relativeTo base: URL?, extraKeys: Set<String> = []) throws -> ModelSpec {
        guard node.isMapping else {
            let text = try node.nonEmptyString()
            do { return try parse(text, relativeTo: base) } catch let error as ModelSpecError {
                throw node.error(.invalidValue, error.reason)
            }
        }
        try node.rejectUnknownKeys(mappingKeys.union(extraKeys))
        func field(_ key: String) -> String { node.path.isEmpty ? key : "\(node.path).\(key)" }
        let providerNode = try node.optional("provider")
        let provider = try providerNode?.string()
        if let provider, !providers.contains(provider) {
            throw providerNode!.error(.invalidValue, "unknown provider '\(provider)'; expected one of: \(providers.joined(separator: ", "))")
        }
        let pathNode = try node.optional("path")
        if provider == "local" || (provider == nil && pathNode != nil) {
            for key in ["base_url", "endpoints", "api_key_env"] where try node.optional(key) != nil {
                throw node.error(.invalidValue, "a local model takes path only, not \(key)", field: field(key))
            }
            return .local(path: try pathNode.map { resolve(try $0.nonEmptyString(), base) })
        }
        if let pathNode { throw pathNode.error(.invalidValue, "path is for local models; remote ones take base_url") }
        var urls: [String] = []
        if let list = try node.optional("endpoints") { urls += try list.stringList() }
        if let one = try node.optional("base_url") { urls.append(try one.nonEmptyString()) }
        guard !urls.isEmpty else {
            throw node.error(.missingField, "missing; expected base_url (or endpoints), or path for a local model", field: field("base_url"))
        }
        for url in urls where !(url.hasPrefix("http://") || url.hasPrefix("https://")) || URL(string: url)?.host == nil {
            throw node.error(.invalidValue, "'\(url)' is not an http(s) URL with a host", field: field("base_url"))
        }
        let model = try node.required("model", "the model id the endpoint serves").nonEmptyString()
        let logprobs = try node.optional("logprobs")?.bool() ?? (provider != "ollama")
        return .endpoint(Endpoint(baseURLs: urls, model: model, apiKeyEnv: try node.optional("api_key_env")?.nonEmptyString(),
                                  supportsLogprobs: logprobs))
    }

    static func resolve(_ path: String, _ base: URL?) -> String {
        guard !path.hasPrefix("/"), let base else { return path }
        return base.appendingPathComponent(path).standardizedFileURL.path
    }
}

extension ModelSpec: CustomStringConvertible {
    /// A readable name for run records and reports.
    public var description: String {
        switch self {
        case .local(nil): return "local"
        case .local(let path?): return path
        case .named(let name): return name
        case .endpoint(let e): return "\(e.baseURLs.first ?? "")#\(e.model)"
        }
    }
}

public struct ModelSpecError: LocalizedError, Equatable, Sendable {
    public let spec: String
    public let reason: String
    public init(spec: String, reason: String) {
        self.spec = spec
        self.reason = reason
    }
    public var errorDescription: String? { "model '\(spec)': \(reason)" }
}
