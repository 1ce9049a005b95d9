import Foundation
import WhetCore
import WhetStore

/// What a run stores to be resumed: its settings and the model specs it was started with.
public struct OptimizerRunConfig: Codable, Hashable, Sendable {
    public var settings: OptimizerSettings
    /// `--model` as given (nil: the task file's model, which the task's hash pins).
    public var model: String?
    public var optimizerModel: String?
    /// `--config`: the model configuration the specs may name.
    public var configPath: String?
    public var promptsDirectory: String?

    public init(settings: OptimizerSettings, model: String?, optimizerModel: String?, configPath: String?,
                promptsDirectory: String?) {
        self.settings = settings
        self.model = model
        self.optimizerModel = optimizerModel
        self.configPath = configPath
        self.promptsDirectory = promptsDirectory
    }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}

/// Writes a run into the lineage store as it happens: every candidate with its parents
/// and operator when it is made, its evaluations and scores as they come in. A resumed run
/// replays its steps; candidates are found again by their ordinal, evaluations replaced by
/// identical ones, so the store ends as an uninterrupted run would leave it.
public struct RunRecorder: Sendable {
    public let store: LineageStore
    public let runId: String

    public init(store: LineageStore, runId: String) {
        self.store = store
        self.runId = runId
    }

    public static func taskHash(path: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return SHA256.hex(data)
    }

    public func createRun(task: TaskFile, model: String, config: OptimizerRunConfig) throws {
        try store.createRun(RunRecord(
            id: runId, kind: .optimize, taskName: task.name, taskPath: task.path,
            taskHash: try Self.taskHash(path: task.path), model: model, seed: Int64(bitPattern: config.settings.seed),
            configJSON: config.json()))
    }

    /// Takes the interrupted run over in this process.
    public func resume() throws { try store.claimRun(runId) }

    func record(_ arm: Arm, parents: [Int64]) throws -> Int64 {
        let c = arm.candidate
        let exemplars = c.exemplars.map { ["id": $0.id, "answer": $0.answer] }
        let exemplarsJSON = String(decoding: (try? JSONSerialization.data(withJSONObject: exemplars, options: [.sortedKeys])) ?? Data("[]".utf8), as: UTF8.self)
        let record = try store.recordCandidate(CandidateRecord(
            runId: runId, instruction: c.systemText, exemplarsJSON: exemplarsJSON, verbalizersJSON: Self.verbalizers(c),
            operatorName: arm.operatorName, round: arm.round, ordinal: arm.ordinal, specJSON: c.json()), parents: parents)
        guard let id = record.id else { throw OptimizerError.internalState("candidate \(arm.ordinal) has no id") }
        return id
    }

    func recordScores(_ arm: Arm, new results: [ScoredExample], split: Split, selection: Bool = false,
                      dev: Double? = nil, test: Double? = nil) throws {
        let evaluations = results.map { r in
            EvaluationRecord(candidateId: arm.id, exampleId: r.exampleId, split: split, output: r.output, score: r.score,
                             promptTokens: r.promptTokens, completionTokens: r.completionTokens, latencyMs: r.seconds * 1000)
        }
        try store.recordScores(candidateId: arm.id, evaluations: evaluations, specJSON: arm.candidate.json(),
                               selectionScore: selection ? arm.score : nil,
                               selectionCount: selection ? arm.selection.count : nil, devScore: dev, testScore: test)
    }

    func finish(_ summary: OptimizationSummary, bestId: Int64) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try store.recordSummary(runId, summaryJSON: String(decoding: try encoder.encode(summary), as: UTF8.self))
        try store.finishRun(runId, status: .finished, bestCandidateId: bestId, bestDevScore: summary.best.dev.mean,
                            testScore: summary.best.test.mean)
    }

    func fail() { try? store.finishRun(runId, status: .failed, bestCandidateId: nil, bestDevScore: nil, testScore: nil) }

    static func verbalizers(_ c: Candidate) -> String {
        guard let readout = c.readout else { return "[]" }
        let list = readout.labels.map { ["label": $0, "verbalizers": readout.words[$0] ?? []] as [String: Any] }
        return String(decoding: (try? JSONSerialization.data(withJSONObject: list, options: [.sortedKeys])) ?? Data("[]".utf8), as: UTF8.self)
    }
}
