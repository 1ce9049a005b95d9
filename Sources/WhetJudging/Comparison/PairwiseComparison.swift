/// Head-to-head comparison of two prompts' outputs by a pairwise judge, in both orders.
///
/// The library behind `whet compare` and the optimizer's SPO-style incumbent-vs-challenger step:
///
///     let judge = try JudgeFactory.make(try JudgeFile.load("judges/local.yaml"), provider: judgeProvider)
///     let result = try await PairwiseComparison.compare(
///         outputsA: incumbentOutputs, outputsB: challengerOutputs,
///         examples: examples.map { ComparisonExample(id: $0.id, instruction: renderedInput, reference: $0.answer) },
///         judge: judge)
///     if result.winRate.rate < 0.5 { /* the challenger (B) won more than it lost */ }
///
/// `outputsA[i]` and `outputsB[i]` answer `examples[i]`. The judge sees the example's instruction (as
/// the task rendered it), the reference where there is one, and the two outputs: never which prompt
/// produced which. Identical outputs are a tie with no judge call. With a `ledger`, earlier judgments
/// of the same pair are reused, and every judgment (new or reused) is recorded for this comparison.
/// Progress goes to `progress`; nothing is printed.
import Foundation
import WhetCore
import WhetStore

/// One example of a comparison: what the judge sees besides the outputs, and the metric's scores
/// when the task has labels.
public struct ComparisonExample: Sendable, Equatable {
    public var id: String
    public var instruction: String
    public var reference: String?
    public var requirements: String?
    public var scoreA: Double?
    public var scoreB: Double?

    public init(id: String, instruction: String, reference: String? = nil, requirements: String? = nil,
                scoreA: Double? = nil, scoreB: Double? = nil) {
        self.id = id
        self.instruction = instruction
        self.reference = reference
        self.requirements = requirements
        self.scoreA = scoreA
        self.scoreB = scoreB
    }
}

public enum ComparisonError: UserFacingError, Equatable {
    case mismatchedCounts(a: Int, b: Int, examples: Int)
    case noExamples

    public var errorDescription: String? {
        switch self {
        case .mismatchedCounts(let a, let b, let n):
            return "a comparison needs one output of each prompt per example; got \(a) and \(b) outputs for \(n) examples"
        case .noExamples: return "nothing to compare: no examples"
        }
    }
}

public enum PairwiseComparison {
    public static func compare(outputsA: [String], outputsB: [String], examples: [ComparisonExample],
                               judge: any PairwiseJudge, names: (String, String) = ("A", "B"), parallelism: Int = 4,
                               ledger: JudgmentLedger? = nil, progress: ProgressSink? = nil) async throws -> ComparisonResult {
        guard !examples.isEmpty else { throw ComparisonError.noExamples }
        guard outputsA.count == examples.count, outputsB.count == examples.count else {
            throw ComparisonError.mismatchedCounts(a: outputsA.count, b: outputsB.count, examples: examples.count)
        }
        let counter = progress.map { StageCounter(name: "judging \(names.0) vs \(names.1)", total: examples.count, sink: $0) }
        let started = Date()
        let judged = try await boundedConcurrentMap(Array(examples.indices), limit: parallelism, finished: { counter?.advance() }) { i in
            let e = examples[i]
            let item = JudgeItem(id: e.id, instruction: e.instruction, reference: e.reference, requirements: e.requirements,
                                 outputA: outputsA[i], outputB: outputsB[i])
            return try await judgeOne(item, judge: judge, ledger: ledger)
        }
        let rows = examples.indices.map { i in
            ExampleResult(id: examples[i].id, instruction: examples[i].instruction, reference: examples[i].reference,
                          outputA: outputsA[i], outputB: outputsB[i], judgment: judged[i].0, reused: judged[i].1,
                          scoreA: examples[i].scoreA, scoreB: examples[i].scoreB)
        }
        return ComparisonResult(judge: judge.name, nameA: names.0, nameB: names.1, examples: rows,
                                seconds: Date().timeIntervalSince(started))
    }

    /// One pair: from the ledger (either way round) if it was judged before, else by the judge.
    static func judgeOne(_ item: JudgeItem, judge: any PairwiseJudge, ledger: JudgmentLedger?) async throws -> (PairJudgment, Bool) {
        let key = PairKey.make(judge: judge.identity, item: item)
        if let ledger {
            if let found = try await ledger.previous(key: key) {
                try await ledger.record(key: key, exampleId: item.id, judgment: found)
                return (found, true)
            }
            var swappedItem = item
            swap(&swappedItem.outputA, &swappedItem.outputB)
            if let found = try await ledger.previous(key: PairKey.make(judge: judge.identity, item: swappedItem)) {
                let judgment = found.swapped
                try await ledger.record(key: key, exampleId: item.id, judgment: judgment)
                return (judgment, true)
            }
        }
        let judgment = try await judge.judgeBothOrders(item)
        try await ledger?.record(key: key, exampleId: item.id, judgment: judgment)
        return (judgment, false)
    }
}

extension PairJudgment {
    /// The judgment with A and B exchanged (each order becomes the other).
    public var swapped: PairJudgment {
        PairJudgment(orders: orders.map {
            OrderJudgment(order: $0.order == .ab ? .ba : .ab, verdict: $0.verdict.swapped,
                          probabilityA: $0.probabilityA.map { 1 - $0 }, reason: $0.reason, method: $0.method)
        }, identical: identical)
    }
}
