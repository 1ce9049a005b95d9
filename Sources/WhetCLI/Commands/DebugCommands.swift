import ArgumentParser
import Foundation
import WhetStore

/// Hidden helpers for tests that need a second real process (a writer to kill
/// mid-transaction) and for benchmarks. Not part of the user-facing surface.
struct DebugCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug", abstract: "Internal test helpers.", shouldDisplay: false,
        subcommands: [StoreWriterCommand.self, ScoringBenchCommand.self, JudgingBenchCommand.self, CompressBatchCommand.self, AnswerBatchCommand.self])
}

struct StoreWriterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store-writer", abstract: "Write scored candidates in a loop until killed or done.")
    @Option var db: String
    @Option var candidates = 1_000_000
    @Option var evaluations = 20

    func run() async throws {
        let store = try LineageStore(path: db)
        let runId = "stress-\(ProcessInfo.processInfo.processIdentifier)"
        try store.createRun(RunRecord(id: runId, kind: .optimize, taskName: "stress", taskPath: "-", taskHash: "-",
                                      model: "none", seed: 0))
        var previous: Int64?
        for i in 0..<candidates {
            let scores = (0..<evaluations).map { Double(($0 * 7 + i) % 5) / 4 }
            let mean = scores.reduce(0, +) / Double(scores.count)
            let evals = scores.enumerated().map { j, s in
                EvaluationRecord(candidateId: 0, exampleId: "ex\(j)", split: .dev, output: String(repeating: "x", count: 200),
                                 score: s, promptTokens: 10, completionTokens: 2, latencyMs: 1)
            }
            let c = try store.commitCandidate(
                CandidateRecord(runId: runId, instruction: "candidate \(i)", operatorName: i == 0 ? "seed" : "rewrite",
                                round: i / 10, devScore: mean),
                parents: previous.map { [$0] } ?? [], evaluations: evals)
            previous = c.id
            if i == 0 { Console.current.out("started \(runId)\n") }
        }
    }
}
