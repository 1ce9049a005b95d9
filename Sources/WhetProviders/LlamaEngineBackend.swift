import Dispatch
import Foundation
import WhetCore
import WhetInference

/// The in-process engine (`WhetInference.LlamaEngine`) as a `LocalModelBackend`. The engine is
/// synchronous under its own lock; its work (each step of a generation session, each scoring call)
/// runs on one private serial queue, never on the Swift cooperative pool, and is bridged back with
/// continuations. Log-probabilities of generated tokens come from the logits each token was drawn from.
public final class LlamaEngineBackend: LocalModelBackend, @unchecked Sendable {
    public let engine: LlamaEngine
    private let queue = DispatchQueue(label: "whet.engine", qos: .userInitiated)

    public init(engine: LlamaEngine) {
        self.engine = engine
    }

    /// The engine on a GGUF file; nil opens the embedded default that `scripts/setup` installs.
    public static func load(_ path: String?) throws -> LocalModelBackend {
        try LlamaEngineBackend(path: try path ?? ModelLocator.defaultGGUF().path)
    }

    public convenience init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ProviderError.localModel(reason: "\(path): no such GGUF file")
        }
        do {
            self.init(engine: try LlamaEngine(modelURL: URL(fileURLWithPath: path)))
        } catch {
            throw ProviderError.localModel(reason: "cannot load \(path): \(error.localizedDescription)")
        }
    }

    public var modelName: String { engine.modelName }
    public var cacheIdentity: String { engine.cacheIdentity }
    public var contextLength: Int { engine.config.contextLength }

    public func renderChat(_ messages: [ChatMessage]) throws -> String {
        guard let template = engine.tokenizer.chatTemplate else {
            throw ProviderError.localModel(reason: "\(modelName) has no chat template that Whetstone can render; use completions")
        }
        return template.render(messages, addGenerationPrompt: true)
    }

    public func countTokens(_ text: String) throws -> Int { promptTokens(text).count }

    /// Special tokens parsed (chat templates are text with special tokens); BOS added when the model wants it.
    func promptTokens(_ text: String) -> [Int32] {
        var ids = engine.tokenize(text)
        if engine.tokenizer.addsBOS, let bos = engine.tokenizer.bosTokenID, ids.first != bos { ids.insert(bos, at: 0) }
        return ids
    }

    /// Runs `work` on the engine's queue: its steps and scoring calls take turns there, one at a time.
    func onQueue<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }

    public func makeGenerationSession() -> any LocalGenerationSession { EngineGenerationSession(backend: self) }

    /// The jobs in a session of their own, run to the end.
    public func generate(_ jobs: [LocalGenerationJob]) async throws -> [LocalGeneration] {
        let session = EngineGenerationSession(backend: self)
        return try await onQueue {
            var results: [UInt64: Result<LocalGeneration, any Error>] = [:]
            var outcome = session.stepNow(admitting: jobs.enumerated().map { SessionJob(id: UInt64($0), job: $1) },
                                          cancelling: [])
            while true {
                for (id, result) in outcome.finished { results[id] = result }
                if session.isIdle { break }
                outcome = session.stepNow(admitting: [], cancelling: [])
            }
            return try jobs.indices.map { index in
                guard let result = results[UInt64(index)] else {
                    throw ProviderError.localModel(reason: "the engine ended without a result for job \(index)")
                }
                return try result.get()
            }
        }
    }

    public func labelLogprobs(prompt: String, labels: [String]) async throws -> [Double] {
        try await onQueue {
            let scores = try self.engine.scoreContinuations(prompt: self.promptTokens(prompt),
                                                            continuations: labels.map { self.engine.tokenize($0) })
            return scores.map(\.total)
        }
    }

    /// The engine's request for a job: its sampling, stop strings and log-probabilities.
    func request(for job: LocalGenerationJob, prompt: [Int32]) -> GenerationRequest {
        GenerationRequest(prompt: prompt, maxTokens: job.maxTokens,
                          sampling: SamplingOptions(temperature: Float(job.temperature), topK: 0, topP: Float(job.topP),
                                                    seed: job.seed),
                          stopStrings: job.stop, topLogprobs: job.topLogprobs)
    }

    /// A finished sequence as the provider reports it: the text cut before its stop string, and
    /// the log-probabilities of the tokens that text covers.
    func generation(from result: GenerationResult, job: LocalGenerationJob) -> LocalGeneration {
        var tokens = result.tokens
        var text = engine.detokenize(tokens)
        var finish = result.finishReason.rawValue
        if let cut = StopStrings.firstStop(in: text, stops: job.stop) {
            text = String(text[..<cut])
            finish = "stop"
            tokens = StopStrings.tokensCovering(text, tokens: tokens, engine: engine)
        }
        let logprobs = job.topLogprobs.map { _ in
            (result.logprobs ?? []).prefix(tokens.count).map { entry in
                TokenLogprob(token: engine.detokenize([entry.token]), logprob: entry.logprob,
                             topAlternatives: entry.top.map {
                                 TokenAlternative(token: engine.detokenize([$0.id]), logprob: $0.logprob)
                             })
            }
        }
        return LocalGeneration(text: text, logprobs: logprobs, promptTokens: result.promptTokenCount,
                               completionTokens: result.tokens.count, finishReason: finish)
    }
}

/// Where a sequence's text ends when it contains a stop string.
enum StopStrings {
    static func firstStop(in text: String, stops: [String]) -> String.Index? {
        stops.filter { !$0.isEmpty }.compactMap { text.range(of: $0)?.lowerBound }.min()
    }

    /// The shortest prefix of `tokens` whose text covers `text`.
    static func tokensCovering(_ text: String, tokens: [Int32], engine: LlamaEngine) -> [Int32] {
        for count in 0...tokens.count where engine.detokenize(Array(tokens.prefix(count))).count >= text.count {
            return Array(tokens.prefix(count))
        }
        return tokens
    }
}
