import Foundation
@testable import WhetEmbeddings

/// Shared fixtures: the model directory (`WHET_MODELS_DIR`, else found by walking up from this
/// file to `models/`),
/// and the JSON fixtures bundled with the test target.
enum TestSupport {
    static let modelDirectory: URL? = {
        if let env = ProcessInfo.processInfo.environment["WHET_MODELS_DIR"], !env.isEmpty {
            return URL(fileURLWithPath: env).appendingPathComponent("all-MiniLM-L6-v2")
        }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("models/all-MiniLM-L6-v2")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("model.safetensors").path) {
                return candidate
            }
            dir.deleteLastPathComponent()
        }
        return nil
    }()

    static var hasModel: Bool { modelDirectory != nil }

    /// One embedder for the whole test run: loading the weights is the slow part.
    static let embedder: SentenceEmbedder? = modelDirectory.flatMap { try? SentenceEmbedder(directory: $0) }

    static func fixture(_ name: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
            throw EmbeddingError.fileMissing(path: "Fixtures/\(name).json")
        }
        return try Data(contentsOf: url)
    }
}

struct TokenizerCase: Decodable {
    let text: String
    let ids: [Int32]
}

struct TokenizerFixture: Decodable {
    let maxLength: Int
    let cases: [TokenizerCase]
    enum CodingKeys: String, CodingKey { case maxLength = "max_length", cases }

    static func load() throws -> TokenizerFixture {
        try JSONDecoder().decode(TokenizerFixture.self, from: TestSupport.fixture("tokenizer_ids"))
    }
}

struct ReferenceCase: Decodable {
    let text: String
    let vector: [Float]
}

struct ReferenceFixture: Decodable {
    let cases: [ReferenceCase]
    static func load() throws -> ReferenceFixture {
        try JSONDecoder().decode(ReferenceFixture.self, from: TestSupport.fixture("reference_embeddings"))
    }
}
