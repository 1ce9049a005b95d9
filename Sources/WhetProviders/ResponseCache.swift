import Foundation
import WhetStore

/// One cached sample: the choice and the tokens it cost when it was first generated.
public struct CachedSample: Codable, Hashable, Sendable {
    public var choice: ProviderChoice
    /// Prompt tokens of the call the sample came from (counted once per call, not per sample).
    public var promptTokens: Int
    public var completionTokens: Int

    public init(choice: ProviderChoice, promptTokens: Int, completionTokens: Int) {
        self.choice = choice
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

/// Stored model answers, so a rerun or a resumed run costs nothing.
public protocol ResponseCache: Sendable {
    func lookup(_ key: String) async throws -> CachedSample?
    func store(_ key: String, model: String, sample: CachedSample) async throws
}

public enum ResponseCacheKey {
    private struct Material: Encodable {
        var model: String
        var request: ProviderRequest
        var sampleIndex: Int
    }

    /// SHA-256 of (model, full request, sample index). `n` is left out of the request so that sample
    /// 2 of an n=3 call and of an n=5 call are the same entry.
    public static func key(model: String, request: ProviderRequest, sampleIndex: Int) throws -> String {
        var normalised = request
        normalised.options.n = 1
        return try RequestKey.key(for: Material(model: model, request: normalised, sampleIndex: sampleIndex))
    }

    private struct ChoiceMaterial: Encodable {
        var model: String
        var kind = "choose"
        var labels: [String]
        var input: ProviderInput
    }

    public static func chooseKey(model: String, labels: [String], input: ProviderInput) throws -> String {
        try RequestKey.key(for: ChoiceMaterial(model: model, labels: labels, input: input))
    }
}

/// A cache that lives as long as the process: for tests and one-off runs.
public actor InMemoryResponseCache: ResponseCache {
    private var entries: [String: CachedSample] = [:]

    public init() {}

    public var count: Int { entries.count }

    public func lookup(_ key: String) -> CachedSample? { entries[key] }

    public func store(_ key: String, model: String, sample: CachedSample) { entries[key] = sample }
}
