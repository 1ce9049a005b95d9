import Foundation

/// Opens the in-process engine (WhetInference) as a `LocalModelBackend`.
public enum EngineBackendLoader {
    public static func load(_ path: String?) throws -> LocalModelBackend {
        let file = try ProviderFactory.ggufPath(path)
        throw ProviderError.localModel(reason: "the in-process engine (issue 3) has not landed yet; cannot load \(file)")
    }
}
