import Foundation
import WhetCore
import WhetEvaluation
import WhetProviders

/// Runs one compared prompt over a task's examples with the task model: label tasks by label
/// log-probabilities, others by greedy generation, scored with the task's metric where the example
/// has a reference. Examples run concurrently so the local engine batches them; calls go through
/// the provider's response cache, so a rerun costs nothing. With `compression` (the task's
/// `compress:` option) the example's and exemplars' fields are compressed before rendering.
public struct PromptRunner: Sendable {
    public struct Output: Sendable, Equatable {
        public var exampleId: String
        public var text: String
        /// The metric's score; nil for judge-metric tasks and examples without a reference.
        public var score: Double?
        public var usage: TokenUsage
        public var latency: Double
        /// Tokens of compressed fields in this prompt, before and after.
        public var compression = CompressionTally()
    }

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

    public func outputs(_ prompt: ComparedPrompt, on examples: [Example], progress: StageCounter? = nil) async throws -> [Output] {
        if let compression {
            let exemplars: [Example]
            if case .instruction(let candidate) = prompt.body { exemplars = candidate.exemplars } else { exemplars = [] }
            try compression.prepare(exemplars + examples, progress: progress?.sink)
        }
        return try await boundedConcurrentMap(examples, limit: parallelism, finished: { progress?.advance() }) { example in
            try await self.run(prompt, example)
        }
    }

    func run(_ prompt: ComparedPrompt, _ example: Example) async throws -> Output {
        var (shownPrompt, shownExample, tally) = (prompt, example, CompressionTally())
        if let compression {
            let e = try compression.apply(example)
            (shownExample, tally) = (e.example, e.tally)
            if case .instruction(let candidate) = prompt.body {
                let c = try compression.apply(candidate)
                shownPrompt.body = .instruction(c.candidate)
                tally += c.tally
            }
        }
        let messages = try shownPrompt.messages(for: shownExample, task: task)
        let started = Date()
        let (text, usage) = try await TaskEvaluator(task: task, provider: provider).answer(messages)
        let score = task.metric == .judge ? nil : example.answer.map { Scorer(task: task).score(output: text, reference: $0) }
        return Output(exampleId: example.id, text: text, score: score, usage: usage, latency: Date().timeIntervalSince(started),
                      compression: tally)
    }
}
