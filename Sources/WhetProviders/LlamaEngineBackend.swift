import Dispatch
import Foundation
import WhetCore
import WhetInference

/// The in-process engine (`WhetInference.LlamaEngine`) as a `LocalModelBackend`. The engine is
/// synchronous under its own lock; its work runs on one private serial queue, never on the Swift
/// cooperative pool, and is bridged back with continuations.
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

    private func onQueue<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }

    public func generate(_ jobs: [LocalGenerationJob]) async throws -> [LocalGeneration] {
        try await onQueue { try self.generateNow(jobs) }
    }

    public func labelLogprobs(prompt: String, labels: [String]) async throws -> [Double] {
        try await onQueue {
            let scores = try self.engine.scoreContinuations(prompt: self.promptTokens(prompt),
                                                            continuations: labels.map { self.engine.tokenize($0) })
            return scores.map(\.total)
        }
    }

    private func generateNow(_ jobs: [LocalGenerationJob]) throws -> [LocalGeneration] {
        let prompts = jobs.map { promptTokens($0.prompt) }
        let requests = zip(jobs, prompts).map { job, prompt in
            GenerationRequest(prompt: prompt, maxTokens: job.maxTokens,
                              sampling: SamplingOptions(temperature: Float(job.temperature), topK: 0,
                                                        topP: Float(job.topP), seed: job.seed))
        }
        let watcher = StopStringWatcher(engine: engine, stops: jobs.map(\.stop))
        let results = try engine.generateBatch(requests, onToken: { index, token in watcher.accept(index, token) })
        return try results.enumerated().map { index, result in
            let job = jobs[index]
            var tokens = result.tokens
            var text = engine.detokenize(tokens)
            var finish = result.finishReason.rawValue
            if let cut = StopStringWatcher.firstStop(in: text, stops: job.stop) {
                text = String(text[..<cut])
                finish = "stop"
                tokens = StopStringWatcher.tokensCovering(text, tokens: tokens, engine: engine)
            }
            let logprobs = try job.topLogprobs.map { top in try tokenLogprobs(prompt: prompts[index], output: tokens, top: top) }
            return LocalGeneration(text: text, logprobs: logprobs, promptTokens: prompts[index].count,
                                   completionTokens: result.tokens.count, finishReason: finish)
        }
    }

    /// Exact log-probabilities of the generated tokens (one scoring pass) and, when asked, the top
    /// alternatives at each position (one next-token pass each, mostly served by the prefix cache).
    private func tokenLogprobs(prompt: [Int32], output: [Int32], top: Int) throws -> [TokenLogprob] {
        guard !output.isEmpty else { return [] }
        let exact = try engine.scoreContinuations(prompt: prompt, continuations: [output])[0].tokenLogprobs
        return try output.indices.map { position in
            var alternatives: [TokenAlternative] = []
            if top > 0 {
                let context = prompt + output[..<position]
                alternatives = try engine.nextTokenLogprobs(prompt: context, top: top).map {
                    TokenAlternative(token: engine.detokenize([$0.id]), logprob: $0.logprob)
                }
            }
            return TokenLogprob(token: engine.detokenize([output[position]]), logprob: exact[position],
                                topAlternatives: alternatives)
        }
    }
}

/// Ends a sequence of a decoding batch as soon as its text contains one of its stop strings
/// (the engine itself only stops on token ids).
final class StopStringWatcher {
    private let engine: LlamaEngine
    private let stops: [[String]]
    private var tokens: [[Int32]]

    init(engine: LlamaEngine, stops: [[String]]) {
        self.engine = engine
        self.stops = stops
        tokens = Array(repeating: [], count: stops.count)
    }

    func accept(_ index: Int, _ token: Int32) -> Bool {
        guard !stops[index].isEmpty else { return true }
        tokens[index].append(token)
        return Self.firstStop(in: engine.detokenize(tokens[index]), stops: stops[index]) == nil
    }

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
