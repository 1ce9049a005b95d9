import Foundation
import WhetCore

/// The in-process model behind the provider protocol. Generation goes through a `GenerationBatcher`
/// so concurrent callers share the engine's batched decoding; label choice is by exact log-probability.
public final class LocalProvider: ModelProvider {
    public let batcher: GenerationBatcher
    public var backend: LocalModelBackend { batcher.backend }
    public var modelName: String { backend.modelName }
    public var cacheIdentity: String { backend.cacheIdentity }

    public init(batcher: GenerationBatcher) {
        self.batcher = batcher
    }

    public convenience init(backend: LocalModelBackend, maxBatch: Int = 16) {
        self.init(batcher: GenerationBatcher(backend: backend, maxBatch: maxBatch))
    }

    public func prompt(for input: ProviderInput) throws -> String {
        switch input {
        case .chat(let messages):
            do { return try backend.renderChat(messages) } catch {
                throw ProviderError.invalidRequest(reason: "cannot apply the chat template: \(error.localizedDescription)")
            }
        case .completion(let prompt): return prompt
        }
    }

    /// Like OpenAI's servers, a `max_tokens` beyond the context window is cut to what fits; a prompt
    /// that fills the window is refused.
    public func complete(_ request: ProviderRequest) async throws -> ProviderResponse {
        var options = request.options
        guard options.n >= 1 else { throw ProviderError.invalidRequest(reason: "n must be at least 1") }
        guard options.maxTokens >= 0 else { throw ProviderError.invalidRequest(reason: "max_tokens must not be negative") }
        let prompt = try prompt(for: request.input)
        let promptTokens = try backend.countTokens(prompt)
        let room = backend.contextLength - promptTokens
        guard room > 0 else {
            throw ProviderError.invalidRequest(reason: "the prompt has \(promptTokens) tokens and the context window \(backend.contextLength)")
        }
        options.maxTokens = min(options.maxTokens, room)
        let started = Date()
        let generations = try await batcher.generate(Self.jobs(prompt: prompt, options: options))
        let choices = generations.enumerated().map { index, generation in
            ProviderChoice(index: index, text: generation.text, finishReason: generation.finishReason,
                           logprobs: options.logprobs ? generation.logprobs : nil)
        }
        let usage = TokenUsage(promptTokens: generations.first?.promptTokens ?? 0,
                               completionTokens: generations.reduce(0) { $0 + $1.completionTokens })
        return ProviderResponse(model: modelName, choices: choices, usage: usage, latency: Date().timeIntervalSince(started))
    }

    /// One job per sample. Samples get consecutive seeds so that n > 1 gives different samples and the
    /// same request gives the same samples.
    public static func jobs(prompt: String, options: GenerationOptions) -> [LocalGenerationJob] {
        let seed = options.seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        return (0..<options.n).map { index in
            LocalGenerationJob(prompt: prompt, temperature: options.temperature, topP: options.topP,
                               maxTokens: options.maxTokens, stop: options.stop, seed: seed &+ UInt64(index),
                               topLogprobs: options.logprobs ? options.topLogprobs : nil)
        }
    }

    public func choose(among labels: [String], for input: ProviderInput) async throws -> LabelChoice {
        guard !labels.isEmpty else { throw ProviderError.invalidRequest(reason: "choose(among:) needs at least one label") }
        let prompt = try prompt(for: input)
        let logprobs = try await backend.labelLogprobs(prompt: prompt, labels: labels)
        let peak = logprobs.max() ?? 0
        let weights = logprobs.map { exp($0 - peak) }
        let total = weights.reduce(0, +)
        var probabilities: [String: Double] = [:]
        for (label, weight) in zip(labels, weights) { probabilities[label] = weight / total }
        let best = labels[logprobs.firstIndex(of: peak) ?? 0]
        let promptTokens = try backend.countTokens(prompt)
        let labelTokens = try labels.reduce(0) { $0 + (try backend.countTokens($1)) }
        return LabelChoice(label: best, probabilities: probabilities, method: .logprobs,
                           usage: TokenUsage(promptTokens: promptTokens, completionTokens: labelTokens))
    }
}
