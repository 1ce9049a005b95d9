import Foundation
import WhetCore

/// One candidate's result on one example.
public struct ScoredExample: Codable, Hashable, Sendable {
    public var exampleId: String
    /// The generated text, or for label tasks the label the candidate's readout decides.
    public var output: String
    public var score: Double
    /// Label tasks: the log-probability of every pool word (readouts are applied to these).
    public var words: WordScores?
    public var promptTokens: Int
    public var completionTokens: Int
    public var seconds: Double

    public init(exampleId: String, output: String, score: Double, words: WordScores? = nil,
                promptTokens: Int = 0, completionTokens: Int = 0, seconds: Double = 0) {
        self.exampleId = exampleId
        self.output = output
        self.score = score
        self.words = words
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.seconds = seconds
    }
}

/// What a batch of model calls cost, counted the same whether answered by the model or
/// from the response cache, so a run's decisions never depend on the cache.
public struct Spend: Codable, Hashable, Sendable {
    public var calls = 0
    public var tokens = 0
    public var costUSD = 0.0

    public init(calls: Int = 0, tokens: Int = 0, costUSD: Double = 0) {
        self.calls = calls
        self.tokens = tokens
        self.costUSD = costUSD
    }

    public static func + (a: Spend, b: Spend) -> Spend {
        Spend(calls: a.calls + b.calls, tokens: a.tokens + b.tokens, costUSD: a.costUSD + b.costUSD)
    }

    public static func += (a: inout Spend, b: Spend) { a = a + b }
}
