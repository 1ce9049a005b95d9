import Foundation
import WhetProviders

/// A request the server refuses, with the HTTP status and OpenAI error body it maps to.
public enum ServiceError: Error, LocalizedError, Equatable, Sendable {
    case badRequest(message: String, param: String?)
    case internalFailure(message: String)

    public var errorDescription: String? {
        switch self {
        case .badRequest(let message, _): return message
        case .internalFailure(let message): return message
        }
    }
}

/// The OpenAI API over the local model, free of HTTP so it can be tested alone. Every request's
/// samples are submitted to the shared batcher, so concurrent requests decode together.
public struct OpenAIService: Sendable {
    public let modelID: String
    public let provider: LocalProvider
    public let created: Int

    public init(modelID: String, provider: LocalProvider) {
        self.modelID = modelID
        self.provider = provider
        created = Int(Date().timeIntervalSince1970)
    }

    public func models() -> ModelListBody {
        ModelListBody(data: [WireModel(id: modelID, created: created, ownedBy: "whetstone")])
    }

    public func chatCompletion(_ body: ChatCompletionRequestBody) async throws -> ChatCompletionResponseBody {
        guard body.stream != true else {
            throw ServiceError.badRequest(message: "streaming is not supported by whet serve", param: "stream")
        }
        guard !body.messages.isEmpty else { throw ServiceError.badRequest(message: "messages must not be empty", param: "messages") }
        let messages = body.messages.map { ChatMessage(role: $0.role, content: $0.content.text) }
        let prompt: String
        do {
            prompt = try provider.backend.renderChat(messages)
        } catch {
            throw ServiceError.badRequest(message: "cannot apply the chat template: \(error.localizedDescription)", param: "messages")
        }
        let options = try validated(body.options, prompt: prompt)
        let (choices, usage) = try await generate(prompt: prompt, options: options, indexBase: 0)
        return ChatCompletionResponseBody(id: Self.identifier("chatcmpl"), created: Int(Date().timeIntervalSince1970),
                                          model: modelID, choices: choices.map(WireChatChoice.init),
                                          usage: WireUsage(usage))
    }

    public func completion(_ body: CompletionRequestBody) async throws -> CompletionResponseBody {
        guard body.stream != true else {
            throw ServiceError.badRequest(message: "streaming is not supported by whet serve", param: "stream")
        }
        guard body.echo != true else {
            throw ServiceError.badRequest(message: "echo (prompt log-probabilities) is not supported by whet serve", param: "echo")
        }
        guard !body.prompt.values.isEmpty else { throw ServiceError.badRequest(message: "prompt must not be empty", param: "prompt") }
        var allChoices: [ProviderChoice] = []
        var usage = TokenUsage()
        // Several prompts run concurrently so that they share decoding batches.
        let prompts = body.prompt.values
        let options = body.options
        let perPrompt = try await withThrowingTaskGroup(of: (Int, [ProviderChoice], TokenUsage).self) { group in
            for (position, prompt) in prompts.enumerated() {
                let checked = try validated(options, prompt: prompt)
                group.addTask {
                    let (choices, usage) = try await generate(prompt: prompt, options: checked, indexBase: position * checked.n)
                    return (position, choices, usage)
                }
            }
            var results: [(Int, [ProviderChoice], TokenUsage)] = []
            for try await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }
        }
        for (_, choices, promptUsage) in perPrompt {
            allChoices += choices
            usage = usage + promptUsage
        }
        return CompletionResponseBody(id: Self.identifier("cmpl"), created: Int(Date().timeIntervalSince1970),
                                      model: modelID, choices: allChoices.map(WireCompletionChoice.init),
                                      usage: WireUsage(usage))
    }

    private func validated(_ options: GenerationOptions, prompt: String) throws -> GenerationOptions {
        var options = options
        guard (1...128).contains(options.n) else { throw ServiceError.badRequest(message: "n must be between 1 and 128", param: "n") }
        guard options.maxTokens >= 1 else { throw ServiceError.badRequest(message: "max_tokens must be at least 1", param: "max_tokens") }
        guard options.temperature >= 0 else { throw ServiceError.badRequest(message: "temperature must not be negative", param: "temperature") }
        guard options.topP > 0, options.topP <= 1 else { throw ServiceError.badRequest(message: "top_p must be in (0, 1]", param: "top_p") }
        guard (0...20).contains(options.topLogprobs) else {
            throw ServiceError.badRequest(message: "top_logprobs must be between 0 and 20", param: "top_logprobs")
        }
        let promptTokens = (try? provider.backend.countTokens(prompt)) ?? 0
        let room = provider.backend.contextLength - promptTokens
        guard room > 0 else {
            throw ServiceError.badRequest(message: "the prompt has \(promptTokens) tokens, the context window \(provider.backend.contextLength)",
                                          param: "messages")
        }
        // Like OpenAI's servers, a max_tokens beyond the window is cut to what fits rather than refused.
        options.maxTokens = min(options.maxTokens, room)
        return options
    }

    private func generate(prompt: String, options: GenerationOptions, indexBase: Int) async throws -> ([ProviderChoice], TokenUsage) {
        let generations: [LocalGeneration]
        do {
            generations = try await provider.batcher.generate(LocalProvider.jobs(prompt: prompt, options: options))
        } catch {
            throw ServiceError.internalFailure(message: "generation failed: \(error.localizedDescription)")
        }
        let choices = generations.enumerated().map { offset, generation in
            ProviderChoice(index: indexBase + offset, text: generation.text, finishReason: generation.finishReason,
                           logprobs: options.logprobs ? generation.logprobs : nil)
        }
        let usage = TokenUsage(promptTokens: generations.first?.promptTokens ?? 0,
                               completionTokens: generations.reduce(0) { $0 + $1.completionTokens })
        return (choices, usage)
    }

    static func identifier(_ prefix: String) -> String {
        "\(prefix)-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }
}
