import Foundation
import Testing
import WhetCore
@testable import WhetOptimizer
import WhetProviders
import WhetStore

/// Whole runs on the embedded model and a real SQLite store, on a small sentiment task.
@Suite(.serialized) struct OptimizerRunTests {
    @Test func budgetHoldsAndTheTestSplitWaitsForTheEnd() async throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let harness = try Harness(taskPath: try smallSentimentTask(in: dir), db: dir.appendingPathComponent("l.sqlite").path)
        let limits = Budget(maxCalls: 200, maxTokens: 60_000, maxCandidates: 8)
        let stages = StageLog()
        let recording = harness.recording
        let optimizer = try harness.optimizer(settings: OptimizerSettings(seed: 3, limits: limits)) { event in
            if case .stage(let name, _, _) = event { stages.see(name, calls: recording.calls) }
        }
        let summary = try await optimizer.run()

        // Every request, from the model or the cache, counts; neither limit is crossed, and the
        // call limit is what shaped the run (fewer candidates than the cap of 8).
        #expect(harness.recording.calls <= 200 && summary.requests <= 200, "\(harness.recording.calls) model calls")
        #expect(summary.tokens <= 60_000)
        #expect(summary.candidates > 1 && summary.candidates < 8, "\(summary.candidates) candidates")
        // No test input reaches the model before the test stage, and the test stage scores them all.
        let testInputs = harness.task.data.test.map { $0.fields["input"]! }
        let atTest = try #require(stages.firstCalls(of: "test"))
        let before = harness.recording.texts.prefix(atTest)
        #expect(!before.contains { text in testInputs.contains { text.contains($0) } })
        let after = harness.recording.texts.dropFirst(atTest)
        #expect(testInputs.allSatisfy { input in after.contains { $0.contains(input) } })
        #expect(summary.seed.test.n == harness.task.data.test.count && summary.best.test.n == harness.task.data.test.count)
        // The run, its candidates and their evaluations are in the store.
        let run = try harness.store.run(matching: summary.run)
        #expect(run.status == .finished && run.bestCandidateId == summary.best.candidate)
        #expect(try harness.store.candidates(run: run.id).count == summary.candidates)
    }

    @Test func repliesNamingNoLabelScoreZeroAndTheRunFinishes() async throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let harness = try Harness(taskPath: try smallSentimentTask(in: dir), db: dir.appendingPathComponent("l.sqlite").path,
                                  model: ChattyProvider())
        let limits = Budget(maxCalls: 150, maxCandidates: 3)
        let summary = try await harness.optimizer(settings: OptimizerSettings(seed: 1, limits: limits)).run()
        #expect(summary.seed.test.mean == 0 && summary.best.test.mean == 0)
        #expect(summary.seed.test.n == harness.task.data.test.count)
        let run = try harness.store.run(matching: summary.run)
        #expect(run.status == .finished)
    }

    @Test func sameSeedSameRun() async throws {
        var results: [OptimizationSummary] = []
        for _ in 0..<2 {
            let dir = try makeTempDir()
            defer { try? FileManager.default.removeItem(at: dir) }
            let harness = try Harness(taskPath: try smallSentimentTask(in: dir), db: dir.appendingPathComponent("l.sqlite").path)
            results.append(try await harness.optimizer(settings: OptimizerSettings(seed: 11, limits: Budget(maxCandidates: 5))).run())
        }
        #expect(results[0].best.spec == results[1].best.spec)
        #expect(results[0].best.dev == results[1].best.dev && results[0].best.test == results[1].best.test)
        #expect(results[0].seed == results[1].seed)
        #expect(results[0].requests == results[1].requests && results[0].candidates == results[1].candidates)
    }

    @Test func badInputIsRefusedBeforeAnythingIsRecorded() async throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let harness = try Harness(taskPath: try smallSentimentTask(in: dir), db: dir.appendingPathComponent("l.sqlite").path)
        do {
            _ = try harness.optimizer(settings: OptimizerSettings(limits: Budget(maxCalls: 20)))
            Issue.record("a 20-call budget was accepted")
        } catch let error as OptimizerError {
            let message = error.localizedDescription
            #expect(message.contains("20 calls") && message.contains("costs 10 calls"), "\(message)")
        }
        var noDev = harness.task
        noDev.data.dev = []
        #expect(throws: OptimizerError.noExamples(task: noDev.path, split: "dev")) {
            _ = try Optimizer(task: noDev, models: OptimizerModels(task: harness.managed), embedder: try Shared.embedder.get(),
                              prompts: MetaPrompts(prompts: [:], directory: nil), store: harness.store,
                              config: OptimizerRunConfig(settings: OptimizerSettings(), model: nil, optimizerModel: nil,
                                                         configPath: nil, promptsDirectory: nil), runId: "r-x")
        }
        #expect(try harness.store.runs().isEmpty && harness.recording.calls == 0)
    }
}

/// The number of model calls made when each stage was first reported.
final class StageLog: @unchecked Sendable {
    private let lock = NSLock()
    private var first: [String: Int] = [:]

    func see(_ stage: String, calls: Int) { lock.withLock { if first[stage] == nil { first[stage] = calls } } }
    func firstCalls(of stage: String) -> Int? { lock.withLock { first[stage] } }
}
