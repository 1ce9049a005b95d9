import Dispatch
import Foundation
import WhetInference
import WhetProviders

/// Log-probabilities of given texts under the in-process model, read through the engine's scoring
/// path (`scoreContinuations`: a shared prompt is computed once and every continuation extends a
/// copy of its KV; repeated prompts are served by the prefix cache). Work runs on a private serial
/// queue, never on the Swift cooperative pool.
public final class EngineScorer: @unchecked Sendable {
    public let backend: LlamaEngineBackend
    public var engine: LlamaEngine { backend.engine }
    private let queue = DispatchQueue(label: "whet.judging.scorer", qos: .userInitiated)

    public init(backend: LlamaEngineBackend) {
        self.backend = backend
    }

    /// The in-process engine behind a provider, if it has one (remote providers do not).
    public static func of(_ provider: any ModelProvider) -> EngineScorer? {
        var base: any ModelProvider = provider
        if let managed = provider as? ManagedProvider { base = managed.base }
        guard let local = base as? LocalProvider, let engine = local.backend as? LlamaEngineBackend else { return nil }
        return EngineScorer(backend: engine)
    }

    public var modelIdentity: String { backend.cacheIdentity }

    /// The chat prompt for one user turn, ending where the assistant's reply starts.
    public func chatPrompt(user: String) throws -> String {
        try backend.renderChat([.user(user)])
    }

    /// Tokens of a text inside a prompt (special tokens parsed, no BOS).
    public func tokens(_ text: String) -> [Int32] { text.isEmpty ? [] : engine.tokenize(text) }

    /// Tokens of a whole prompt: BOS first when the model wants it.
    public func promptTokens(_ text: String) -> [Int32] {
        var ids = tokens(text)
        if engine.tokenizer.addsBOS, let bos = engine.tokenizer.bosTokenID, ids.first != bos { ids.insert(bos, at: 0) }
        return ids
    }

    /// The token that ends an assistant turn in the model's chat format (`<|im_end|>` for ChatML).
    public var endOfTurn: Int32? {
        switch engine.tokenizer.chatTemplate {
        case .chatML?: return tokens("<|im_end|>").count == 1 ? tokens("<|im_end|>")[0] : nil
        case .llama3?: return tokens("<|eot_id|>").count == 1 ? tokens("<|eot_id|>")[0] : nil
        case nil: return engine.tokenizer.eosTokenID
        }
    }

    /// The text of at most `maxTokens` tokens of `text` (the whole text when it is shorter).
    public func clip(_ text: String, maxTokens: Int) -> String {
        let ids = tokens(text)
        guard ids.count > maxTokens else { return text }
        return engine.detokenize(Array(ids.prefix(maxTokens)))
    }

    /// log p of every token of each continuation after `prompt`, in one forward pass.
    public func logprobs(prompt: [Int32], continuations: [[Int32]]) async throws -> [[Double]] {
        try await withCheckedThrowingContinuation { (result: CheckedContinuation<[[Double]], Error>) in
            queue.async {
                result.resume(with: Result {
                    try self.engine.scoreContinuations(prompt: prompt, continuations: continuations).map(\.tokenLogprobs)
                })
            }
        }
    }
}
