import Foundation
import WhetStore

/// One example of a comparison: both outputs and the judgment (both orders).
public struct ExampleResult: Codable, Sendable, Equatable {
    public var id: String
    public var instruction: String
    public var reference: String?
    public var outputA: String
    public var outputB: String
    public var judgment: PairJudgment
    /// Taken from the store instead of judged again.
    public var reused: Bool
    public var scoreA: Double?
    public var scoreB: Double?
}

/// Output length, beside the win rate because judges favour longer outputs.
public struct LengthSummary: Codable, Sendable, Equatable {
    public var meanCharacters: Double
    public var meanWords: Double

    public init(_ outputs: [String]) {
        let n = Double(max(1, outputs.count))
        meanCharacters = outputs.reduce(0) { $0 + Double($1.count) } / n
        meanWords = outputs.reduce(0) { $0 + Double(TextSignals.words($1).count) } / n
    }
}

/// A head-to-head result of A against B: the tally and win rate with its interval and sign test,
/// the position-flip rate, both prompts' output lengths, and the paired test on metric scores
/// when the task has labels.
public struct ComparisonResult: Codable, Sendable, Equatable {
    public var judge: String
    public var nameA: String
    public var nameB: String
    public var examples: [ExampleResult]
    /// A's wins, ties and losses against B.
    public var winRate: WinRate
    /// Share of pairs judged in both orders whose two verdicts differed (identical outputs excluded).
    public var flipRate: Double
    public var lengthA: LengthSummary
    public var lengthB: LengthSummary
    public var pairedTest: PairedScoreTest?
    /// Pairs the judge was asked about (not reused, not identical).
    public var judgedPairs: Int
    public var reusedPairs: Int
    public var identicalPairs: Int
    public var seconds: Double

    public init(judge: String, nameA: String, nameB: String, examples: [ExampleResult], seconds: Double) {
        self.judge = judge
        self.nameA = nameA
        self.nameB = nameB
        self.examples = examples
        self.seconds = seconds
        winRate = WinRate(examples.map(\.judgment.verdict))
        let twoOrder = examples.filter { !$0.judgment.identical && $0.judgment.orders.count == 2 }
        flipRate = twoOrder.isEmpty ? 0 : Double(twoOrder.filter(\.judgment.flipped).count) / Double(twoOrder.count)
        lengthA = LengthSummary(examples.map(\.outputA))
        lengthB = LengthSummary(examples.map(\.outputB))
        let scored = examples.filter { $0.scoreA != nil && $0.scoreB != nil }
        pairedTest = scored.count == examples.count
            ? PairedScoreTest.test(scoresA: scored.map { $0.scoreA! }, scoresB: scored.map { $0.scoreB! }) : nil
        identicalPairs = examples.filter(\.judgment.identical).count
        reusedPairs = examples.filter { $0.reused && !$0.judgment.identical }.count
        judgedPairs = examples.count - identicalPairs - reusedPairs
    }

    /// Every output of A equals B's: the prompts cannot be told apart on these examples.
    public var allIdentical: Bool { identicalPairs == examples.count }
}
