import Foundation
import WhetCore
import WhetEvaluation
import WhetProviders
import WhetStore

/// `kind: evaluate`: `whet eval` as a server run. Scores the task's seed prompt on one split with the
/// same library code (`EvaluationRun`), recorded as one `seed` candidate with its evaluations.
public struct EvaluationRunKind: RunKindHandler {
    public let kind = RunKind.evaluate

    public init() {}

    /// `whet eval`'s options, by the same names in camelCase.
    struct Options: Codable, Equatable {
        var split: Split?
        var limit: Int?
        var shots: Int?
        var seed: Int64?
        var parallel: Int?
        var noCache: Bool?
        var budget: Budget?
    }

    static let optionKeys: Set<String> = ["split", "limit", "shots", "seed", "parallel", "noCache", "budget"]

    public func prepare(_ submission: RunSubmission, workspace: RunWorkspace, environment: RunEnvironment) throws -> any PreparedRun {
        let options = try submission.options.decodeOptions(Options.self, known: Self.optionKeys)
        if let limit = options.limit, limit <= 0 { throw bad("options.limit: expected a positive number, found \(limit)") }
        if let shots = options.shots, shots < 0 { throw bad("options.shots: expected zero or more, found \(shots)") }
        if let parallel = options.parallel, !(1...64).contains(parallel) {
            throw bad("options.parallel: expected 1 to 64, found \(parallel)")
        }
        if case .object(let budget)? = submission.options.field("budget"),
           let unknown = budget.keys.sorted().first(where: { !Self.budgetKeys.contains($0) }) {
            throw bad("options.budget.\(unknown): unknown limit; expected one of: \(Self.budgetKeys.sorted().joined(separator: ", "))")
        }
        let task = try workspace.loadTask(submission, servedModel: environment.modelID)
        guard task.metric != .judge else {
            throw bad("task.yaml: metric: judge tasks are scored by pairwise judgments (whet compare), not by an evaluation")
        }
        let split = options.split ?? .test
        var examples = task.data[split]
        if let limit = options.limit { examples = Array(examples.prefix(limit)) }
        guard !examples.isEmpty else { throw bad("task.yaml: the \(split.rawValue) split is empty") }
        let seed = options.seed ?? 0
        var rng = SeededGenerator(seed: UInt64(bitPattern: seed))
        let exemplars = Array(task.data.train.shuffled(using: &rng).prefix(options.shots ?? 0))
        let config = String(decoding: (try? JSONReply.encoder.encode(options)) ?? Data("{}".utf8), as: UTF8.self)
        return EvaluationJob(
            task: task, split: split, examples: examples,
            candidate: PromptCandidate(instruction: task.instruction, exemplars: exemplars),
            parallelism: options.parallel ?? 8,
            description: RunDescription(taskName: task.name, taskHash: SHA256.hex(Data(submission.task.utf8)), seed: seed,
                                        configJSON: config),
            budget: task.budget.overridden(by: options.budget ?? Budget()),
            cachePolicy: options.noCache == true ? .bypass : .readWrite)
    }

    static let budgetKeys: Set<String> = ["maxCalls", "maxTokens", "maxCandidates", "maxCostUSD", "maxSeconds"]

    private func bad(_ message: String) -> ServiceError { .badRequest(message: message, param: "options") }
}

struct EvaluationJob: PreparedRun {
    let task: TaskFile
    let split: Split
    let examples: [Example]
    let candidate: PromptCandidate
    let parallelism: Int
    let description: RunDescription
    let budget: Budget
    let cachePolicy: CachePolicy

    func execute(_ context: RunContext) async throws -> RunConclusion {
        // A second attempt after the candidate was committed: the evaluation is done, only the ending was lost.
        if let done = try context.store.candidates(run: context.runId).first, let id = done.id {
            let scores = try context.store.evaluations(candidate: id).compactMap(\.score)
            let mean = ScoreSummary(scores: scores).mean
            context.progress(.candidate(id: id, operatorName: done.operatorName, score: mean))
            context.progress(.best(id: id, score: mean))
            return conclusion(candidate: id, mean: mean)
        }
        let evaluator = TaskEvaluator(task: task, provider: context.provider, parallelism: parallelism,
                                      compression: try ExampleCompressor.forTask(task))
        let scored = try await EvaluationRun(evaluator: evaluator, store: context.store).score(
            runId: context.runId, candidate: candidate, split: split, examples: examples, progress: context.progress)
        return conclusion(candidate: scored.candidateId, mean: scored.report.summary.mean)
    }

    func conclusion(candidate: Int64, mean: Double) -> RunConclusion {
        RunConclusion(bestCandidateId: candidate, bestDevScore: split == .dev ? mean : nil, testScore: split == .test ? mean : nil)
    }
}

extension JSONValue {
    /// An object's field, nil for anything else.
    func field(_ key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }
}
