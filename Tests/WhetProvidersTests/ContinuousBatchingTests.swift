import Foundation
import Testing
import WhetCore
@testable import WhetProviders

/// The batcher over the real engine and model (SmolLM2-135M from `scripts/setup`): jobs join the
/// running session at the next step and leave when they end, and what a job generates does not
/// depend on the company it keeps.
@Suite(.serialized) struct ContinuousBatchingTests {
    static let loaded: Result<LocalModelBackend, Error> = Result { try LlamaEngineBackend.load(nil) }

    func backend() throws -> LocalModelBackend {
        do {
            return try Self.loaded.get()
        } catch {
            Issue.record("the local model is needed: run scripts/setup (\(error.localizedDescription))")
            throw error
        }
    }

    static func job(_ prompt: String, maxTokens: Int, temperature: Double = 0, seed: UInt64 = 0, stop: [String] = [],
                    topLogprobs: Int? = nil) -> LocalGenerationJob {
        LocalGenerationJob(prompt: prompt, temperature: temperature, topP: 0.95, maxTokens: maxTokens, stop: stop,
                           seed: seed, topLogprobs: topLogprobs)
    }

    /// Counting goes on for as many tokens as asked: a job that stays busy.
    static let long = job("1, 2, 3, 4, 5,", maxTokens: 48)

    /// Each job by itself, one after another.
    func alone(_ jobs: [LocalGenerationJob]) async throws -> [LocalGeneration] {
        let batcher = GenerationBatcher(backend: try backend())
        var results: [LocalGeneration] = []
        for job in jobs { results.append(try await batcher.submit(job)) }
        return results
    }

    @Test func aRequestArrivingMidDecodeJoinsTheRunningSession() async throws {
        let log = StepLog()
        let batcher = GenerationBatcher(backend: try backend(), maxBatch: 4, onStep: log.record)
        let first = Task { try await batcher.submit(Self.long) }
        try await log.wait { $0.index >= 3 }
        let late = try await batcher.submit(Self.job("The capital of France is", maxTokens: 4))
        let stepsWhenLateEnded = log.all
        let long = try await first.value
        #expect(late.completionTokens == 4)
        #expect(long.completionTokens == 48)
        // The late job joined a step in which the first was still running, and was answered while
        // the first went on.
        let join = try #require(stepsWhenLateEnded.first { $0.index > 1 && $0.admitted == 1 })
        #expect(join.running == 2)
        #expect(stepsWhenLateEnded.reduce(0) { $0 + $1.finished } == 1)
        #expect(log.all.reduce(0) { $0 + $1.finished } == 2)
    }

    @Test func outputsAreTheSameAloneOrInABusySession() async throws {
        let jobs = [
            Self.job("Name three colours:", maxTokens: 10, topLogprobs: 3),
            Self.job("Once upon a time", maxTokens: 10, temperature: 0.9, seed: 42),
            Self.job("Once upon a time", maxTokens: 10, temperature: 0.9, seed: 43, topLogprobs: 2),
            Self.job("The capital of France is", maxTokens: 6),
        ]
        let expected = try await alone(jobs)
        #expect(expected[1] != expected[2], "two seeds should sample two texts")
        let log = StepLog()
        let batcher = GenerationBatcher(backend: try backend(), maxBatch: 8, onStep: log.record)
        let busy = Task { try await batcher.submit(Self.long) }
        try await log.wait { $0.index >= 2 }
        let together = try await batcher.generate(jobs)
        _ = try await busy.value
        #expect(together == expected)
        #expect((log.all.map(\.decodedSequences).max() ?? 0) == jobs.count + 1)
    }

    @Test func stopStringsAndMaxTokensEndJobsIndividually() async throws {
        let free = Self.job("1, 2, 3, 4, 5,", maxTokens: 12)
        let freeText = try await alone([free])[0].text
        let stop = " 8,"
        #expect(freeText.contains(stop), "the model should count on: \(freeText)")
        let jobs = [free, Self.job("1, 2, 3, 4, 5,", maxTokens: 12, stop: [stop]), Self.job("1, 2, 3, 4, 5,", maxTokens: 3)]
        let log = StepLog()
        let results = try await GenerationBatcher(backend: try backend(), onStep: log.record).generate(jobs)
        #expect(results[0].text == freeText)
        #expect(results[1].text == String(freeText[..<freeText.range(of: stop)!.lowerBound]))
        #expect(results[1].finishReason == "stop")
        #expect(results[2].completionTokens == 3 && results[2].finishReason == "length")
        // Three different steps answered them.
        #expect(log.all.filter { $0.finished > 0 }.count == 3)
    }

    @Test func cancellingOneRequestLeavesTheOthers() async throws {
        let keep = Self.job("The capital of France is", maxTokens: 12)
        let expected = try await alone([keep])[0]
        let log = StepLog()
        let batcher = GenerationBatcher(backend: try backend(), onStep: log.record)
        let doomed = Task { try await batcher.submit(Self.long) }
        try await log.wait { $0.index >= 2 }
        let kept = Task { try await batcher.submit(keep) }
        try await log.wait { $0.running == 2 }
        doomed.cancel()
        await #expect(throws: CancellationError.self) { try await doomed.value }
        #expect(try await kept.value == expected)
        // The cancelled job left the session: it ran on with the other alone and then stopped.
        let after = log.all.drop { $0.running < 2 }.drop { $0.running == 2 }
        #expect(!after.isEmpty && after.allSatisfy { $0.running <= 1 })
    }

    @Test func theProviderAnswersThroughTheSession() async throws {
        let provider = LocalProvider(backend: try backend(), maxBatch: 4)
        let options = GenerationOptions(temperature: 0, maxTokens: 5, logprobs: true, topLogprobs: 2)
        let responses = try await withThrowingTaskGroup(of: ProviderResponse.self) { group in
            for city in ["Paris", "Rome", "Madrid"] {
                group.addTask { try await provider.complete(.completion("\(city) is the capital of", options)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for response in responses {
            let choice = try #require(response.choices.first)
            let logprobs = try #require(choice.logprobs)
            #expect(logprobs.map(\.token).joined() == choice.text)
            #expect(logprobs.allSatisfy { $0.topAlternatives.count == 2 && $0.topAlternatives[0].logprob == $0.logprob })
        }
    }
}

/// The batcher's steps as they end, and a way to wait for one.
final class StepLog: @unchecked Sendable {
    private let lock = NSLock()
    private var steps: [BatcherStep] = []

    var all: [BatcherStep] { lock.withLock { steps } }
    func record(_ step: BatcherStep) { lock.withLock { steps.append(step) } }

    /// Returns once a step satisfying `condition` has ended; fails after two minutes.
    func wait(for condition: (BatcherStep) -> Bool) async throws {
        for _ in 0..<12_000 {
            if all.contains(where: condition) { return }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        Issue.record("no such step within two minutes: \(all)")
        throw CancellationError()
    }
}
