import Foundation
import WhetCore

/// One sequence to generate in the in-process engine (one sample: `n` is expanded before this).
public struct LocalGenerationJob: Hashable, Sendable {
    public var prompt: String
    public var temperature: Double
    public var topP: Double
    public var maxTokens: Int
    public var stop: [String]
    public var seed: UInt64
    /// Alternatives wanted per generated token; nil when no log-probabilities are wanted at all.
    public var topLogprobs: Int?

    public init(prompt: String, temperature: Double, topP: Double, maxTokens: Int, stop: [String], seed: UInt64,
                topLogprobs: Int?) {
        self.prompt = prompt
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.stop = stop
        self.seed = seed
        self.topLogprobs = topLogprobs
    }
}

public struct LocalGeneration: Hashable, Sendable {
    public var text: String
    public var logprobs: [TokenLogprob]?
    public var promptTokens: Int
    public var completionTokens: Int
    /// "stop" (end of turn or a stop sequence) or "length".
    public var finishReason: String

    public init(text: String, logprobs: [TokenLogprob]?, promptTokens: Int, completionTokens: Int, finishReason: String) {
        self.text = text
        self.logprobs = logprobs
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.finishReason = finishReason
    }
}

/// What the providers and `whet serve` need from an in-process model. The engine adapter implements it;
/// tests use a deterministic stand-in. Implementations do their heavy compute off the Swift
/// cooperative pool.
public protocol LocalModelBackend: Sendable {
    var modelName: String { get }
    /// What the response cache keys on (see `ModelProvider.cacheIdentity`).
    var cacheIdentity: String { get }
    /// The context window in tokens.
    var contextLength: Int { get }
    /// The model's chat template applied to `messages`, ending where the assistant's reply starts.
    func renderChat(_ messages: [ChatMessage]) throws -> String
    func countTokens(_ text: String) throws -> Int
    /// Generates every job, batched into one decoding loop where the engine can.
    func generate(_ jobs: [LocalGenerationJob]) async throws -> [LocalGeneration]
    /// The total log-probability of each label as the continuation of `prompt`.
    func labelLogprobs(prompt: String, labels: [String]) async throws -> [Double]
    /// A step-wise session for continuous batching (GenerationBatcher). The default runs each
    /// step's admitted jobs to the end through `generate(_:)`, i.e. whole batches.
    func makeGenerationSession() -> any LocalGenerationSession
}

extension LocalModelBackend {
    public var cacheIdentity: String { modelName }
    public func makeGenerationSession() -> any LocalGenerationSession { WholeBatchSession(backend: self) }
}

/// A job handed to a generation session, under the batcher's id for it.
public struct SessionJob: Sendable {
    public let id: UInt64
    public let job: LocalGenerationJob

    public init(id: UInt64, job: LocalGenerationJob) {
        self.id = id
        self.job = job
    }
}

/// What one session step did.
public struct SessionStepOutcome: Sendable {
    /// The jobs that ended in this step, with their generation or why they failed.
    public var finished: [(id: UInt64, result: Result<LocalGeneration, any Error>)] = []
    /// Prompt rows computed in this step.
    public var prefillTokens = 0
    /// Sequences that generated a token in this step's decoding pass.
    public var decodedSequences = 0

    public init() {}
}

/// Generation that advances in steps, so jobs can join and leave between any two of them.
/// The batcher calls `step` from one task at a time; implementations run the work off the
/// Swift cooperative pool.
public protocol LocalGenerationSession: AnyObject, Sendable {
    /// Adds `admitted`, drops `cancelled` (their callers have gone), then runs one step.
    func step(admitting admitted: [SessionJob], cancelling cancelled: [UInt64]) async -> SessionStepOutcome
}

/// Whole batches for backends without step-wise generation: a step generates the jobs
/// admitted to it to the end, and jobs arriving meanwhile wait for the next step.
final class WholeBatchSession: LocalGenerationSession {
    let backend: LocalModelBackend

    init(backend: LocalModelBackend) { self.backend = backend }

    func step(admitting admitted: [SessionJob], cancelling cancelled: [UInt64]) async -> SessionStepOutcome {
        var outcome = SessionStepOutcome()
        guard !admitted.isEmpty else { return outcome }
        do {
            let results = try await backend.generate(admitted.map(\.job))
            guard results.count == admitted.count else {
                throw ProviderError.localModel(reason: "the model returned \(results.count) results for \(admitted.count) jobs")
            }
            outcome.finished = zip(admitted, results).map { ($0.id, .success($1)) }
        } catch {
            outcome.finished = admitted.map { ($0.id, .failure(error)) }
        }
        return outcome
    }
}
