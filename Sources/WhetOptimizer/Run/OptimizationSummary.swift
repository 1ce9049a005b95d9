import Foundation
import WhetEvaluation

/// A prompt's result on one split, with its 95% interval (Wilson's for 0/1 scores).
public struct SplitScore: Codable, Sendable, Equatable {
    public var mean: Double
    public var low: Double
    public var high: Double
    public var n: Int

    public init(_ summary: ScoreSummary) {
        mean = summary.mean
        low = summary.low
        high = summary.high
        n = summary.count
    }

    public init(scores: [Double]) { self.init(ScoreSummary(scores: scores)) }
}

/// A run's outcome: the seed and the chosen prompt on dev and test, the evidence for the
/// choice, and what the run spent.
public struct OptimizationSummary: Codable, Sendable, Equatable {
    public struct Outcome: Codable, Sendable, Equatable {
        public var candidate: Int64
        public var operatorName: String
        public var dev: SplitScore
        public var test: SplitScore
        public var prompt: String
        public var spec: Candidate
    }

    public var run: String
    public var task: String
    public var model: String
    public var seed: Outcome
    public var best: Outcome
    /// Whether the chosen prompt beat the seed on dev beyond the noise.
    public var significant: Bool
    /// The best finalist's gain on dev over the seed and its one-sided p-value, whether or not it was chosen.
    public var challengerGain: Double?
    public var challengerPValue: Double?
    public var candidates: Int
    /// Requests made (model + cache), model calls, cache hits, tokens and cost.
    public var requests: Int
    public var calls: Int
    public var cacheHits: Int
    public var tokens: Int
    public var costUSD: Double
    public var seconds: Double
    /// Why the search ended: the plan was done, or which limit stopped it.
    public var stopReason: String
    public var verdict: String
    /// Tokens of the task's `compress:` fields in every prompt scored, before and after compression.
    public var compression: CompressionTally? = nil
}
