import Foundation

/// Opens the in-process engine (WhetInference) as a `LocalModelBackend`.
public enum EngineBackendLoader {
    /// `path` nil: the default GGUF that `scripts/setup` installs under `models/`.
    public static func load(_ path: String?) throws -> LocalModelBackend {
        try LlamaEngineBackend(path: try ProviderFactory.ggufPath(path))
    }
}
