import Foundation
import WhetCore
import WhetProviders

/// The OpenAI API over any `ModelProvider`, free of HTTP so it can be tested alone. The provider does
/// the work (the local one batches concurrent requests into shared decoding steps); this type only
/// checks requests and shapes responses.
public struct OpenAIService: Sendable {
    public let modelID: String
    public let provider: any ModelProvider
    public let created: Int

    public init(modelID: String, provider: any ModelProvider) {
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
        let messages: [ChatMessage]
        do {
            messages = try body.messages.map { try $0.chatMessage() }
        } catch {
            throw ServiceError.badRequest(message: error.localizedDescription, param: "messages")
        }
        let response = try await complete(.chat(messages, try validated(body.options)), param: "messages")
        return ChatCompletionResponseBody(id: Self.identifier("chatcmpl"), created: Int(Date().timeIntervalSince1970),
                                          model: modelID, choices: response.choices.map(WireChatChoice.init),
                                          usage: WireUsage(response.usage))
    }

    public func completion(_ body: CompletionRequestBody) async throws -> CompletionResponseBody {
        guard body.stream != true else {
            throw ServiceError.badRequest(message: "streaming is not supported by whet serve", param: "stream")
        }
        guard body.echo != true else {
            throw ServiceError.badRequest(message: "echo (prompt log-probabilities) is not supported by whet serve", param: "echo")
        }
        guard !body.prompt.values.isEmpty else { throw ServiceError.badRequest(message: "prompt must not be empty", param: "prompt") }
        let options = try validated(body.options)
        // Several prompts run concurrently so that they share decoding batches.
        let prompts = body.prompt.values
        let perPrompt = try await withThrowingTaskGroup(of: (Int, ProviderResponse).self) { group in
            for (position, prompt) in prompts.enumerated() {
                group.addTask { (position, try await complete(.completion(prompt, options), param: "prompt")) }
            }
            var results: [(Int, ProviderResponse)] = []
            for try await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }
        }
        var choices: [ProviderChoice] = []
        var usage = TokenUsage()
        for (position, response) in perPrompt {
            for var choice in response.choices {
                choice.index = position * options.n + choice.index
                choices.append(choice)
            }
            usage = usage + response.usage
        }
        return CompletionResponseBody(id: Self.identifier("cmpl"), created: Int(Date().timeIntervalSince1970),
                                      model: modelID, choices: choices.map(WireCompletionChoice.init),
                                      usage: WireUsage(usage))
    }

    private func validated(_ options: GenerationOptions) throws -> GenerationOptions {
        guard (1...128).contains(options.n) else { throw ServiceError.badRequest(message: "n must be between 1 and 128", param: "n") }
        guard options.maxTokens >= 1 else { throw ServiceError.badRequest(message: "max_tokens must be at least 1", param: "max_tokens") }
        guard options.temperature >= 0 else { throw ServiceError.badRequest(message: "temperature must not be negative", param: "temperature") }
        guard options.topP > 0, options.topP <= 1 else { throw ServiceError.badRequest(message: "top_p must be in (0, 1]", param: "top_p") }
        guard (0...20).contains(options.topLogprobs) else {
            throw ServiceError.badRequest(message: "top_logprobs must be between 0 and 20", param: "top_logprobs")
        }
        return options
    }

    /// The provider's answer; a request it refuses is the client's error (400), anything else the server's.
    private func complete(_ request: ProviderRequest, param: String) async throws -> ProviderResponse {
        do {
            return try await provider.complete(request)
        } catch ProviderError.invalidRequest(let reason) {
            throw ServiceError.badRequest(message: reason, param: param)
        } catch {
            throw ServiceError.internalFailure(message: "generation failed: \(error.localizedDescription)")
        }
    }

    static func identifier(_ prefix: String) -> String {
        "\(prefix)-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }
}
