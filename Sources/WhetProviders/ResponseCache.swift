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
    /// `request` is the canonical JSON the key hashes; `latency` the call's wall time in seconds.
    func store(_ key: ResponseCacheKey, model: String, sample: CachedSample, latency: Double) async throws
}

/// A cache entry's key: the SHA-256 of `request`, the canonical JSON of what was asked.
public struct ResponseCacheKey: Hashable, Sendable {
    public let hash: String
    public let request: String

    init<T: Encodable>(material: T) throws {
        let json = try RequestKey.canonicalJSON(for: material)
        hash = SHA256.hex(json)
        request = String(decoding: json, as: UTF8.self)
    }

    private struct Material: Encodable {
        var model: String
        var request: ProviderRequest
        var sampleIndex: Int
    }

    /// SHA-256 of (model, full request, sample index). `n` is left out of the request so that sample
    /// 2 of an n=3 call and of an n=5 call are the same entry.
    public static func sample(model: String, request: ProviderRequest, sampleIndex: Int) throws -> ResponseCacheKey {
        var normalised = request
        normalised.options.n = 1
        return try ResponseCacheKey(material: Material(model: model, request: normalised, sampleIndex: sampleIndex))
    }

    private struct ChoiceMaterial: Encodable {
        var model: String
        var kind = "choose"
        var labels: [String]
        var input: ProviderInput
    }

    public static func choice(model: String, labels: [String], input: ProviderInput) throws -> ResponseCacheKey {
        try ResponseCacheKey(material: ChoiceMaterial(model: model, labels: labels, input: input))
    }

    private struct DerivedMaterial<T: Encodable>: Encodable {
        var model: String
        var kind: String
        var material: T
    }

    /// A key for a result computed from the model's numbers rather than asked of it (a judge's
    /// signals), named by `kind` so that it never meets a request's key.
    public static func derived<T: Encodable>(kind: String, model: String, material: T) throws -> ResponseCacheKey {
        try ResponseCacheKey(material: DerivedMaterial(model: model, kind: kind, material: material))
    }
}
