import Foundation
import WhetCore
import WhetProviders
import WhetStore

extension PairVerdict {
    /// The same verdict with the outputs' roles swapped.
    public var swapped: PairVerdict {
        switch self {
        case .a: return .b
        case .b: return .a
        case .tie: return .tie
        }
    }
}

/// A judge's verdict on two outputs in the order it saw them: `.a` means the first shown.
public struct PositionalVerdict: Sendable, Codable, Equatable {
    public var verdict: PairVerdict
    /// P(first shown is better) where the judge gives probabilities; nil when read from text.
    public var probabilityFirst: Double?
    public var reason: String?
    /// logprobs | generated | unparsed | signals | scores
    public var method: String
    public var usage: TokenUsage

    public init(verdict: PairVerdict, probabilityFirst: Double?, reason: String?, method: String, usage: TokenUsage = TokenUsage()) {
        self.verdict = verdict
        self.probabilityFirst = probabilityFirst
        self.reason = reason
        self.method = method
        self.usage = usage
    }
}

/// One order's verdict, translated back to A and B.
public struct OrderJudgment: Sendable, Codable, Equatable {
    public var order: PairOrder
    public var verdict: PairVerdict
    /// P(A is better) as read in this order.
    public var probabilityA: Double?
    public var reason: String?
    public var method: String

    public init(order: PairOrder, verdict: PairVerdict, probabilityA: Double?, reason: String?, method: String) {
        self.order = order
        self.verdict = verdict
        self.probabilityA = probabilityA
        self.reason = reason
        self.method = method
    }

    init(order: PairOrder, positional v: PositionalVerdict) {
        let ab = order == .ab
        self.init(order: order, verdict: ab ? v.verdict : v.verdict.swapped,
                  probabilityA: v.probabilityFirst.map { ab ? $0 : 1 - $0 }, reason: v.reason, method: v.method)
    }
}

/// Both orders' verdicts on one pair and what they add up to: agreement is the verdict,
/// disagreement is a tie (MT-Bench's rule) and counts as a position flip.
public struct PairJudgment: Sendable, Codable, Equatable {
    public var verdict: PairVerdict
    /// Mean P(A is better) over the orders that gave one.
    public var probabilityA: Double?
    public var orders: [OrderJudgment]
    /// The orders disagreed.
    public var flipped: Bool
    /// The outputs were identical: a tie with no judge call.
    public var identical: Bool
    /// Judge calls made and the tokens they took (a mirrored order costs none); not part of the record.
    public var calls = 0
    public var usage = TokenUsage()

    enum CodingKeys: String, CodingKey { case verdict, probabilityA, orders, flipped, identical }

    public init(orders: [OrderJudgment], identical: Bool = false, calls: Int = 0, usage: TokenUsage = TokenUsage()) {
        self.orders = orders
        self.identical = identical
        self.calls = calls
        self.usage = usage
        let verdicts = Set(orders.map(\.verdict))
        verdict = verdicts.count == 1 ? verdicts.first! : .tie
        flipped = verdicts.count > 1
        let probabilities = orders.compactMap(\.probabilityA)
        probabilityA = probabilities.isEmpty ? nil : probabilities.reduce(0, +) / Double(probabilities.count)
    }

    public static func identicalOutputs() -> PairJudgment {
        PairJudgment(orders: [OrderJudgment(order: .ab, verdict: .tie, probabilityA: 0.5, reason: "identical outputs", method: "identical")],
                     identical: true)
    }

    public func order(_ order: PairOrder) -> OrderJudgment? { orders.first { $0.order == order } }
}

/// What a judge is asked about: one example's instruction (as the task rendered it, never the
/// prompt that produced an output), the reference answer where there is one, and two outputs.
public struct JudgeItem: Sendable, Equatable {
    public var id: String
    public var instruction: String
    public var reference: String?
    /// The task's stated requirements (SPO), if any.
    public var requirements: String?
    public var outputA: String
    public var outputB: String

    public init(id: String, instruction: String, reference: String? = nil, requirements: String? = nil,
                outputA: String, outputB: String) {
        self.id = id
        self.instruction = instruction
        self.reference = reference
        self.requirements = requirements
        self.outputA = outputA
        self.outputB = outputB
    }
}

public enum JudgingError: UserFacingError, Equatable {
    case signalsNeedLocalModel(judge: String, model: String)
    case notPairwise(judge: String)
    case missingEmbeddings(reason: String)

    public var errorDescription: String? {
        switch self {
        case .signalsNeedLocalModel(let judge, let model):
            return "\(judge): a signals judge reads token log-probabilities from the in-process model; \(model) is not one (use --judge-model local or a .gguf path)"
        case .notPairwise(let judge):
            return "\(judge): expected a pairwise judge (mode: pairwise) or a pointwise judge with a score verdict"
        case .missingEmbeddings(let reason):
            return "the signals judge needs MiniLM (models/all-MiniLM-L6-v2, installed by scripts/setup): \(reason)"
        }
    }
}
