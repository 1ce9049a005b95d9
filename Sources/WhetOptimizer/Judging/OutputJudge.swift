import Foundation
import WhetCore
import WhetStore

/// Two outputs of one input to be judged: A is the challenger, B the incumbent, or the
/// other way round; the judge never learns which prompt wrote which.
public struct JudgedPair: Sendable, Hashable {
    /// What the outputs were asked to do: the task's requirements, else its description.
    public var instruction: String
    public var input: String
    public var outputA: String
    public var outputB: String
    /// A reference answer, when the task has one (SPO's sample answers).
    public var reference: String?

    public init(instruction: String, input: String, outputA: String, outputB: String, reference: String? = nil) {
        self.instruction = instruction
        self.input = input
        self.outputA = outputA
        self.outputB = outputB
        self.reference = reference
    }

    /// Identical outputs (up to surrounding white space) are a tie without asking anyone.
    public var identical: Bool {
        outputA.trimmingCharacters(in: .whitespacesAndNewlines) == outputB.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A judge's decision on a pair, from A's side, over both orders when the judge uses both:
/// the orders agreeing is the verdict, disagreeing is a tie (MT-Bench's rule).
public struct JudgedOutcome: Sendable, Hashable {
    public var verdict: PairVerdict
    /// The two orders disagreed.
    public var flipped: Bool
    public var spend: Spend

    public init(verdict: PairVerdict, flipped: Bool = false, spend: Spend = Spend()) {
        self.verdict = verdict
        self.flipped = flipped
        self.spend = spend
    }

    /// A's score on the pair: 1 win, 0.5 tie, 0 loss.
    public var scoreA: Double {
        switch verdict {
        case .a: return 1
        case .tie: return 0.5
        case .b: return 0
        }
    }
}

/// What the optimizer needs from a judge on judge-metric tasks: which of two outputs is
/// better, and what asking will cost before it is asked (the budget is checked first).
/// The built-in `FileJudge` reads a judge file; a judging library can conform instead.
public protocol OutputJudge: Sendable {
    var name: String { get }
    func estimate(_ pair: JudgedPair) -> Spend
    func compare(_ pair: JudgedPair) async throws -> JudgedOutcome
}
