import Foundation
import WhetCore
import WhetProviders
import WhetStore

/// Runs one prompt candidate over a task split: renders each example, asks the
/// model (by label log-probabilities for label tasks, by generation otherwise),
/// scores the answer with the task's metric and records everything in the
/// lineage store. Examples run concurrently so the local engine can batch them.
/// With `compression` (the task's `compress:` option) fields are compressed before rendering.
public struct TaskEvaluator: Sendable {
    public let task: TaskFile
    public let provider: any ModelProvider
    public let parallelism: Int
    public let compression: ExampleCompressor?

    public init(task: TaskFile, provider: any ModelProvider, parallelism: Int = 8, compression: ExampleCompressor? = nil) {
        self.task = task
        self.provider = provider
        self.parallelism = max(1, parallelism)
        self.compression = compression
    }

    public struct Outcome: Sendable {
        public var example: Example
        public var output: String
        public var score: Double
        public var usage: TokenUsage
        public var latency: Double
        /// Tokens of compressed fields in this prompt (input and exemplars), before and after.
        public var compression = CompressionTally()
    }

    /// Scores `candidate` on `examples`; `progress` counts finished examples.
    public func evaluate(_ candidate: PromptCandidate, on examples: [Example],
                         progress: StageCounter? = nil) async throws -> [Outcome] {
        guard task.metric != .judge else { throw EvaluationError.needsJudge(task: task.path) }
        if let compression {
            try compression.prepare(candidate.exemplars + examples, progress: progress?.sink)
        }
        return try await boundedConcurrentMap(examples, limit: parallelism, finished: { progress?.advance() }) { example in
            try await self.run(candidate, example)
        }
    }

    /// Asks the task model for one rendered prompt: the label with the highest log-probability on label
    /// tasks, else a greedy generation of up to the task's `max_tokens`.
    public func answer(_ messages: [ChatMessage]) async throws -> (text: String, usage: TokenUsage) {
        if case .label(let labels) = task.answer {
            let choice = try await provider.choose(among: labels.map(\.label), for: .chat(messages))
            return (choice.answerText, choice.usage)
        }
        let response = try await provider.complete(.chat(messages, GenerationOptions(n: 1, temperature: 0, maxTokens: task.maxTokens)))
        return (response.text, response.usage)
    }

    func run(_ candidate: PromptCandidate, _ example: Example) async throws -> Outcome {
        // A cancelled evaluation (a server run cancelled mid-way) starts no further model call.
        try Task.checkCancellation()
        var tally = CompressionTally()
        var (shownCandidate, shownExample) = (candidate, example)
        if let compression {
            let c = try compression.apply(candidate), e = try compression.apply(example)
            (shownCandidate, shownExample) = (c.candidate, e.example)
            tally = c.tally + e.tally
        }
        let messages = try shownCandidate.messages(for: shownExample, task: task)
        let scorer = Scorer(task: task)
        let started = Date()
        let (output, usage) = try await answer(messages)
        let score = example.answer.map { scorer.score(output: output, reference: $0) } ?? 0
        return Outcome(example: example, output: output, score: score, usage: usage,
                       latency: Date().timeIntervalSince(started), compression: tally)
    }
}

public enum EvaluationError: UserFacingError, Equatable {
    case needsJudge(task: String)
    case emptySplit(Split)

    public var errorDescription: String? {
        switch self {
        case .needsJudge(let task):
            return "\(task): metric: judge tasks are scored by pairwise judgments (`whet compare`), not by `whet eval`"
        case .emptySplit(let s): return "the \(s.rawValue) split is empty"
        }
    }
}
