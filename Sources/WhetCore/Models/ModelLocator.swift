import Foundation

/// Finds the model files that `scripts/setup` copies into the git-ignored `models/`
/// folder. Weights never come from a hub at run time.
public enum ModelLocator {
    public static let defaultGGUFName = "SmolLM2-135M-Instruct.Q4_1.gguf"
    public static let defaultEmbeddingDirName = "all-MiniLM-L6-v2"

    /// `WHET_MODELS_DIR` wins; otherwise the first `models/` found walking up from the
    /// working directory, then from the executable (so `.build/release/whet` finds the
    /// checkout's `models/` from anywhere).
    public static func modelsDirectory() -> URL? {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["WHET_MODELS_DIR"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        var starts = [URL(fileURLWithPath: fm.currentDirectoryPath)]
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        starts.append(exe.deletingLastPathComponent())
        for start in starts {
            var dir = start.standardizedFileURL
            for _ in 0..<8 {
                let candidate = dir.appendingPathComponent("models")
                var isDir: ObjCBool = false
                if fm.fileExists(atPath: candidate.path, isDirectory: &isDir), isDir.boolValue {
                    return candidate
                }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        return nil
    }

    public static func defaultGGUF() throws -> URL {
        guard let dir = modelsDirectory() else { throw ModelLocatorError.noModelsDirectory }
        let url = dir.appendingPathComponent(defaultGGUFName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ModelLocatorError.missing(url.path)
        }
        return url
    }

    /// A sentence-embedding model's folder (`model.safetensors`, `tokenizer.json`); nil is the
    /// embedded all-MiniLM-L6-v2.
    public static func embeddingDirectory(_ path: String?) throws -> URL {
        guard let path else { return try defaultEmbeddingDirectory() }
        let url = URL(fileURLWithPath: path)
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("model.safetensors").path) else {
            throw ModelLocatorError.missing(url.appendingPathComponent("model.safetensors").path)
        }
        return url
    }

    public static func defaultEmbeddingDirectory() throws -> URL {
        guard let dir = modelsDirectory() else { throw ModelLocatorError.noModelsDirectory }
        let url = dir.appendingPathComponent(defaultEmbeddingDirName)
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("model.safetensors").path) else {
            throw ModelLocatorError.missing(url.path)
        }
        return url
    }
}

public enum ModelLocatorError: LocalizedError, Equatable {
    case noModelsDirectory
    case missing(String)

    public var errorDescription: String? {
        switch self {
        case .noModelsDirectory:
            return "no models/ directory found (run scripts/setup, or set WHET_MODELS_DIR)"
        case .missing(let path):
            return "\(path): model file not found (run scripts/setup, or pass --model PATH)"
        }
    }
}
