import Foundation
import WhetCore

/// What stops an optimisation run before it starts or while it runs, with what to do about it.
public enum OptimizerError: UserFacingError, Equatable {
    case noExamples(task: String, split: String)
    case budgetTooSmall(limit: String, evaluation: String, needed: String)
    case unknownRun(String)
    case notOptimizeRun(run: String, kind: String)
    case runFinished(run: String, status: String)
    case taskChanged(run: String, path: String)
    case taskMissing(run: String, path: String)
    case sealedExample(String)
    case metaPrompt(path: String, reason: String)
    case needsJudge(task: String)
    case internalState(String)

    public var errorDescription: String? {
        switch self {
        case .noExamples(let task, let split):
            return "\(task): the \(split) split has no examples; the optimizer needs train examples to draw exemplars "
                + "and proposals from and dev examples to select on (see splits: in docs/formats.md)"
        case .budgetTooSmall(let limit, let evaluation, let needed):
            return "the budget (\(limit)) is too small for one evaluation: \(evaluation). A run needs at least \(needed)"
        case .unknownRun(let id): return "no run '\(id)' in the lineage store (see `whet runs`)"
        case .notOptimizeRun(let run, let kind):
            return "run \(run) is a \(kind) run, not an optimize run; only optimize runs can be resumed"
        case .runFinished(let run, let status):
            return "run \(run) is \(status); only an interrupted run can be resumed (start a new run instead)"
        case .taskChanged(let run, let path):
            return "\(path) changed since run \(run) began (its SHA-256 differs from the one stored with the run); "
                + "resuming would mix two tasks. Restore the file or start a new run"
        case .taskMissing(let run, let path):
            return "\(path): the task file of run \(run) no longer exists"
        case .sealedExample(let id):
            return "example \(id) belongs to the held-out test split, which is scored only once, at the end"
        case .metaPrompt(let path, let reason): return "\(path): \(reason)"
        case .needsJudge(let task):
            return "\(task): metric: judge needs a judge file (`judge: ../judges/pairwise.yaml` in the task file); "
                + "judge-metric tasks are searched by pairwise judgments, not by a metric"
        case .internalState(let what): return "optimizer: \(what)"
        }
    }
}
