import Foundation
import WhetCore
import WhetEvaluation
import WhetProviders
import WhetStore

public enum ComparisonRunError: UserFacingError, Equatable {
    case tooFewPrompts(Int)
    case noExamples(task: String, split: String)
    case noInputs(task: String)

    public var errorDescription: String? {
        switch self {
        case .tooFewPrompts(let n): return "compare needs at least two prompts; got \(n)"
        case .noExamples(let task, let split): return "\(task): no examples in the \(split) split to compare on"
        case .noInputs(let task):
            return "\(task): the task's template has no {field} placeholder, so every example asks the same thing; a comparison needs the task's inputs"
        }
    }
}

/// A whole `whet compare` run: every prompt over the task's examples with the task model, every
/// pair judged in both orders, Bradley-Terry for three or more, all recorded in the lineage store
/// (a run of kind `compare`, one candidate per prompt with its outputs, the judgments). Model calls
/// go through the response cache and judgments are reused by pair key, so a rerun is free.
public struct ComparisonRun: Sendable {
    public let task: TaskFile
    public let split: Split
    public let examples: [Example]
    public let taskProvider: ManagedProvider
    public let judge: any PairwiseJudge
    public let judgeFile: String
    public let store: LineageStore
    public var parallelism = 8
    public var seed: Int64 = 0
    /// Compresses the task's `compress:` fields before the task model sees them (the judge sees them whole).
    public var compression: ExampleCompressor?

    public init(task: TaskFile, split: Split, examples: [Example], taskProvider: ManagedProvider, judge: any PairwiseJudge,
                judgeFile: String, store: LineageStore) throws {
        guard !examples.isEmpty else { throw ComparisonRunError.noExamples(task: task.path, split: split.rawValue) }
        guard !task.template.fields.isEmpty else { throw ComparisonRunError.noInputs(task: task.path) }
        self.task = task
        self.split = split
        self.examples = examples
        self.taskProvider = taskProvider
        self.judge = judge
        self.judgeFile = judgeFile
        self.store = store
    }

    public func run(_ prompts: [ComparedPrompt], judgeModel: String, failUnder: Double? = nil,
                    progress: @escaping ProgressSink = { _ in }) async throws -> ComparisonReport {
        guard prompts.count >= 2 else { throw ComparisonRunError.tooFewPrompts(prompts.count) }
        let started = Date()
        var warnings: [String] = []
        // The first prompt with the same body stands in for a repeated one: no calls are spent on it.
        var original = Array(prompts.indices)
        for i in prompts.indices {
            if let j = prompts.indices.first(where: { $0 < i && prompts[$0].body == prompts[i].body }) {
                original[i] = j
                let message = "prompts \(TerminalReport.letter(j)) (\(prompts[j].name)) and \(TerminalReport.letter(i)) (\(prompts[i].name)) are identical: every example is a tie and nothing is judged"
                warnings.append(message)
                progress(.note("warning: " + message))
            }
        }
        let runId = EvaluationRun.newRunId()
        let taskText = (try? String(contentsOfFile: task.path, encoding: .utf8)) ?? task.path
        let config: [String: String] = ["split": split.rawValue, "examples": "\(examples.count)", "judge": judgeFile,
                                        "judgeModel": judgeModel, "prompts": prompts.map(\.source).joined(separator: "\u{1F}")]
        let configJSON = String(decoding: try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]), as: UTF8.self)
        try store.createRun(RunRecord(id: runId, kind: .compare, taskName: task.name, taskPath: task.path,
                                      taskHash: SHA256.hex(Data(taskText.utf8)), model: taskProvider.modelName, seed: seed,
                                      configJSON: configJSON))
        do {
            let report = try await compare(prompts, original: original, runId: runId, judgeModel: judgeModel, failUnder: failUnder,
                                           warnings: warnings, started: started, progress: progress)
            try store.finishRun(runId, status: .finished, bestCandidateId: best(report), bestDevScore: nil, testScore: nil)
            progress(.finished(status: RunStatus.finished.rawValue))
            return report
        } catch {
            try? store.finishRun(runId, status: .failed, bestCandidateId: nil, bestDevScore: nil, testScore: nil)
            progress(.finished(status: RunStatus.failed.rawValue))
            throw error
        }
    }

    func compare(_ prompts: [ComparedPrompt], original: [Int], runId: String, judgeModel: String, failUnder: Double?,
                 warnings: [String], started: Date, progress: @escaping ProgressSink) async throws -> ComparisonReport {
        let runner = PromptRunner(task: task, provider: taskProvider, parallelism: parallelism, compression: compression)
        var outputs: [[PromptRunner.Output]] = []
        var candidateIds: [Int64] = []
        for (i, prompt) in prompts.enumerated() {
            let these: [PromptRunner.Output]
            if original[i] != i {
                these = outputs[original[i]]
            } else {
                let counter = StageCounter(name: "\(TerminalReport.letter(i)) \(prompt.name)", total: examples.count, sink: progress)
                these = try await runner.outputs(prompt, on: examples, progress: counter)
            }
            outputs.append(these)
            let scores = these.compactMap(\.score)
            let mean = scores.count == these.count && !scores.isEmpty ? scores.reduce(0, +) / Double(scores.count) : nil
            let candidate = try store.commitCandidate(
                CandidateRecord(runId: runId, instruction: prompt.text, exemplarsJSON: prompt.exemplarsJSON, operatorName: "compare",
                                round: 0, devScore: split == .dev ? mean : nil, testScore: split == .test ? mean : nil),
                parents: [], evaluations: these.map {
                    EvaluationRecord(candidateId: 0, exampleId: $0.exampleId, split: split, output: $0.text, score: $0.score,
                                     promptTokens: $0.usage.promptTokens, completionTokens: $0.usage.completionTokens,
                                     latencyMs: $0.latency * 1000)
                })
            candidateIds.append(candidate.id!)
            await reportSpend(progress)
        }
        var pairs: [ComparisonReport.Pair] = []
        for a in prompts.indices {
            for b in prompts.indices where b > a {
                let items = examples.indices.map { k in
                    ComparisonExample(id: examples[k].id, instruction: judgeInstruction(examples[k]), reference: examples[k].answer,
                                      requirements: task.requirements, scoreA: outputs[a][k].score, scoreB: outputs[b][k].score)
                }
                let ledger = StoreJudgmentLedger(store: store, runId: runId, candidateA: candidateIds[a], candidateB: candidateIds[b],
                                                 judge: judge.identity)
                let result = try await PairwiseComparison.compare(
                    outputsA: outputs[a].map(\.text), outputsB: outputs[b].map(\.text), examples: items, judge: judge,
                    names: (TerminalReport.letter(a), TerminalReport.letter(b)), parallelism: 4, ledger: ledger, progress: progress)
                pairs.append(ComparisonReport.Pair(a: a, b: b, result: result))
            }
        }
        var bradleyTerry: BradleyTerry?
        if prompts.count >= 3 {
            var matches: [BradleyTerry.Match] = []
            for pair in pairs {
                for (k, e) in pair.result.examples.enumerated() {
                    let outcome = e.judgment.verdict == .a ? 1.0 : e.judgment.verdict == .b ? 0 : 0.5
                    matches.append(BradleyTerry.Match(first: pair.a, second: pair.b, outcome: outcome, example: k))
                }
            }
            bradleyTerry = BradleyTerry(names: prompts.map(\.name), matches: matches)
        }
        let summaries = prompts.indices.map { i in
            let scores = outputs[i].compactMap(\.score)
            return ComparisonReport.Prompt(
                name: prompts[i].name, source: prompts[i].source, text: prompts[i].text, length: LengthSummary(outputs[i].map(\.text)),
                metricMean: scores.count == outputs[i].count && !scores.isEmpty ? scores.reduce(0, +) / Double(scores.count) : nil,
                candidateId: candidateIds[i])
        }
        var report = ComparisonReport(runId: runId, task: task.name, split: split.rawValue, model: taskProvider.modelName,
                                      judge: judge.name, judgeFile: judgeFile, judgeModel: judgeModel, prompts: summaries, pairs: pairs,
                                      bradleyTerry: bradleyTerry, warnings: warnings, failUnder: failUnder,
                                      seconds: Date().timeIntervalSince(started))
        // Prompts that stand in for an identical one were not run again: their tokens count once.
        report.compression = compression.map { _ in
            prompts.indices.filter { original[$0] == $0 }.flatMap { outputs[$0] }.reduce(CompressionTally()) { $0 + $1.compression }
        }
        return report
    }

    /// What the judge is told was asked: the task's template filled with the example (the user turn),
    /// never the compared prompt.
    func judgeInstruction(_ example: Example) -> String {
        (try? task.template.render(example.fields)) ?? example.fields.values.sorted().joined(separator: "\n")
    }

    func reportSpend(_ progress: ProgressSink) async {
        let usage = await taskProvider.ledger.usage(of: taskProvider.modelName)
        progress(.spend(calls: usage.calls, cacheHits: usage.cacheHits, tokens: usage.usage.totalTokens,
                        costUSD: usage.costUSD))
    }

    func best(_ report: ComparisonReport) -> Int64? {
        if let bt = report.bradleyTerry, let top = bt.strengths.indices.max(by: { bt.strengths[$0].strength < bt.strengths[$1].strength }) {
            return report.prompts[top].candidateId
        }
        guard let head = report.headline else { return nil }
        return report.prompts[head.result.winRate.rate >= 0.5 ? 0 : 1].candidateId
    }
}
