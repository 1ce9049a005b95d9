import Foundation
import WhetCore

/// How a call uses the response cache.
public enum CachePolicy: String, Codable, Sendable {
    /// Answer from the cache when every sample is there; store what is generated.
    case readWrite
    /// The bypass flag: always call the model, but refresh the cache with the answer.
    case bypass
    case disabled
}

/// Wraps any provider with what every caller needs and none should re-implement: the response cache,
/// usage accounting and the hard budget. The optimizer and judges talk to this.
public final class ManagedProvider: ModelProvider {
    public let base: ModelProvider
    public let cache: ResponseCache?
    public let cachePolicy: CachePolicy
    public let ledger: UsageLedger
    public let price: PriceTable?

    public var modelName: String { base.modelName }
    public var cacheIdentity: String { base.cacheIdentity }

    public init(base: ModelProvider, cache: ResponseCache?, cachePolicy: CachePolicy = .readWrite,
                ledger: UsageLedger = UsageLedger(), price: PriceTable? = nil) {
        self.base = base
        self.cache = cache
        self.cachePolicy = cachePolicy
        self.ledger = ledger
        self.price = price
    }

    public func complete(_ request: ProviderRequest) async throws -> ProviderResponse {
        let n = max(1, request.options.n)
        let keys = try (0..<n).map { try ResponseCacheKey.sample(model: base.cacheIdentity, request: request, sampleIndex: $0) }
        if let cache, cachePolicy == .readWrite, let hit = try await cachedResponse(keys: keys, cache: cache) {
            await ledger.recordCacheHit(model: modelName)
            return hit
        }
        let reservation = try await ledger.reserve(estimate: Self.estimate(request), price: price)
        let response: ProviderResponse
        do {
            response = try await base.complete(request)
        } catch {
            await ledger.settle(reservation, model: modelName, usage: nil, latency: 0, price: price)
            throw error
        }
        await ledger.settle(reservation, model: modelName, usage: response.usage, latency: response.latency, price: price)
        if let cache, cachePolicy != .disabled {
            let shares = Self.split(response.usage.completionTokens, into: response.choices.count)
            for (position, choice) in response.choices.enumerated() where position < keys.count {
                let sample = CachedSample(choice: choice, promptTokens: response.usage.promptTokens,
                                          completionTokens: shares[position])
                try await cache.store(keys[position], model: modelName, sample: sample, latency: response.latency)
            }
        }
        return response
    }

    public func choose(among labels: [String], for input: ProviderInput) async throws -> LabelChoice {
        let key = try ResponseCacheKey.choice(model: base.cacheIdentity, labels: labels, input: input)
        if let cache, cachePolicy == .readWrite, let stored = try await cache.lookup(key.hash),
           let data = stored.choice.text.data(using: .utf8),
           let choice = try? JSONDecoder().decode(LabelChoice.self, from: data) {
            await ledger.recordCacheHit(model: modelName)
            return choice
        }
        let longest = labels.map(\.count).max() ?? 1
        let estimate = ProviderRequest(input: input, options: GenerationOptions(maxTokens: longest + 8))
        let reservation = try await ledger.reserve(estimate: Self.estimate(estimate), price: price)
        let started = Date()
        let choice: LabelChoice
        do {
            choice = try await base.choose(among: labels, for: input)
        } catch {
            await ledger.settle(reservation, model: modelName, usage: nil, latency: 0, price: price)
            throw error
        }
        let latency = Date().timeIntervalSince(started)
        await ledger.settle(reservation, model: modelName, usage: choice.usage, latency: latency, price: price)
        if let cache, cachePolicy != .disabled {
            let text = String(decoding: try JSONEncoder().encode(choice), as: UTF8.self)
            try await cache.store(key, model: modelName, sample: CachedSample(
                choice: ProviderChoice(index: 0, text: text), promptTokens: choice.usage.promptTokens,
                completionTokens: choice.usage.completionTokens), latency: latency)
        }
        return choice
    }

    private func cachedResponse(keys: [ResponseCacheKey], cache: ResponseCache) async throws -> ProviderResponse? {
        var samples: [CachedSample] = []
        for key in keys {
            guard let sample = try await cache.lookup(key.hash) else { return nil }
            samples.append(sample)
        }
        let choices = samples.enumerated().map { index, sample in
            var choice = sample.choice
            choice.index = index
            return choice
        }
        let usage = TokenUsage(promptTokens: samples.first?.promptTokens ?? 0,
                               completionTokens: samples.reduce(0) { $0 + $1.completionTokens })
        return ProviderResponse(model: modelName, choices: choices, usage: usage, latency: 0, fromCache: true)
    }

    /// A pessimistic pre-call estimate: about 3 characters per prompt token (English BPE averages
    /// nearer 4) and every sample running to `max_tokens`.
    public static func estimate(_ request: ProviderRequest) -> TokenUsage {
        TokenUsage(promptTokens: (request.inputCharacterCount + 2) / 3 + 8,
                   completionTokens: request.options.maxTokens * max(1, request.options.n))
    }

    static func split(_ total: Int, into parts: Int) -> [Int] {
        guard parts > 0 else { return [] }
        return (0..<parts).map { total / parts + ($0 < total % parts ? 1 : 0) }
    }
}
