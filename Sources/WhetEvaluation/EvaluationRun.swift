import Foundation
import WhetCore
import WhetProviders
import WhetStore

/// An evaluation recorded as a run in the lineage store: one seed candidate,
/// its outputs and scores on a split, and the summary.
public struct EvaluationRun: Sendable {
    public struct Report: Codable, Sendable {
        public var runId: String
        public var task: String
        public var model: String
        public var split: Split
        public var summary: ScoreSummary
        public var promptTokens: Int
        public var completionTokens: Int
        public var seconds: Double
        public var examplesPerSecond: Double
        /// Compressed fields' tokens over every prompt, before and after (tasks with `compress:`).
        public var compression: CompressionTally?
    }

    public let evaluator: TaskEvaluator
    public let store: LineageStore

    public init(evaluator: TaskEvaluator, store: LineageStore) {
        self.evaluator = evaluator
        self.store = store
    }

    /// Records the run as it goes: the store shows it `running` (or `interrupted` if this process
    /// dies) until it is `finished` or `failed`. Progress goes to `progress`.
    public func run(candidate: PromptCandidate, split: Split, examples: [Example], seed: Int64,
                    progress: @escaping ProgressSink = { _ in }) async throws -> Report {
        guard !examples.isEmpty else { throw EvaluationError.emptySplit(split) }
        let task = evaluator.task
        let runId = Self.newRunId()
        let taskText = (try? String(contentsOfFile: task.path, encoding: .utf8)) ?? task.path
        try store.createRun(RunRecord(
            id: runId, kind: .evaluate, taskName: task.name, taskPath: task.path,
            taskHash: SHA256.hex(Data(taskText.utf8)), model: evaluator.provider.modelName, seed: seed,
            configJSON: #"{"split":"\#(split.rawValue)","examples":\#(examples.count)}"#))
        let scored: Scored
        do {
            scored = try await score(runId: runId, candidate: candidate, split: split, examples: examples, progress: progress)
        } catch {
            try? store.finishRun(runId, status: .failed, bestCandidateId: nil, bestDevScore: nil, testScore: nil,
                                 detail: error.localizedDescription)
            progress(.finished(status: RunStatus.failed.rawValue))
            throw error
        }
        let mean = scored.report.summary.mean
        try store.finishRun(runId, status: .finished, bestCandidateId: scored.candidateId,
                            bestDevScore: split == .dev ? mean : nil, testScore: split == .test ? mean : nil)
        progress(.finished(status: RunStatus.finished.rawValue))
        return scored.report
    }

    /// A scored candidate: its id in the store and the report.
    public struct Scored: Sendable {
        public var candidateId: Int64
        public var report: Report
    }

    /// Scores `candidate` for run `runId` (already recorded and leased to this process) and records it
    /// with its evaluations in one transaction; the caller ends the run. Sends `candidate` and `best`.
    public func score(runId: String, candidate: PromptCandidate, split: Split, examples: [Example],
                      progress: @escaping ProgressSink = { _ in }) async throws -> Scored {
        guard !examples.isEmpty else { throw EvaluationError.emptySplit(split) }
        let task = evaluator.task
        let started = Date()
        let counter = StageCounter(name: "\(task.name) \(split.rawValue)", total: examples.count, sink: progress)
        let outcomes = try await evaluator.evaluate(candidate, on: examples, progress: counter)
        let summary = ScoreSummary(scores: outcomes.map(\.score))
        let evaluations = outcomes.map { o in
            EvaluationRecord(candidateId: 0, exampleId: o.example.id, split: split, output: o.output, score: o.score,
                             promptTokens: o.usage.promptTokens, completionTokens: o.usage.completionTokens,
                             latencyMs: o.latency * 1000)
        }
        let c = try store.commitCandidate(
            CandidateRecord(runId: runId, instruction: candidate.instruction, exemplarsJSON: candidate.exemplarsJSON,
                            verbalizersJSON: Self.verbalizersJSON(task.answer), operatorName: "seed", round: 0,
                            devScore: split == .dev ? summary.mean : nil, testScore: split == .test ? summary.mean : nil),
            parents: [], evaluations: evaluations)
        let id = c.id ?? 0
        progress(.candidate(id: id, operatorName: c.operatorName, score: summary.mean))
        progress(.best(id: id, score: summary.mean))
        let seconds = Date().timeIntervalSince(started)
        let report = Report(runId: runId, task: task.name, model: evaluator.provider.modelName, split: split, summary: summary,
                            promptTokens: outcomes.reduce(0) { $0 + $1.usage.promptTokens },
                            completionTokens: outcomes.reduce(0) { $0 + $1.usage.completionTokens },
                            seconds: seconds, examplesPerSecond: Double(examples.count) / max(seconds, 1e-9),
                            compression: evaluator.compression.map { _ in
                                outcomes.reduce(CompressionTally()) { $0 + $1.compression } })
        return Scored(candidateId: id, report: report)
    }

    /// The label words a label task's answers are read as; `[]` for other tasks.
    static func verbalizersJSON(_ answer: AnswerFormat) -> String {
        guard case .label(let labels) = answer, let data = try? JSONEncoder().encode(labels) else { return "[]" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Sortable and unique enough for one machine: time plus random suffix.
    public static func newRunId() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        f.timeZone = TimeZone(identifier: "UTC")
        let suffix = String(UInt32.random(in: 0..<UInt32.max), radix: 16)
        return "r-\(f.string(from: Date()))-\(suffix.prefix(4))"
    }
}
