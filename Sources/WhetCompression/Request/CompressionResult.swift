import Foundation

/// What a compression produced. Token counts are in the scoring model's tokenizer
/// (the target model's, by default the embedded one); `keptSpans` are
/// `[start, end)` offsets in Unicode code points of the original context, in the
/// order the kept text appears in `compressed`.
public struct CompressionResult: Sendable, Codable, Equatable {
    public var compressed: String
    public var originalTokens: Int
    public var compressedTokens: Int
    /// compressedTokens / originalTokens.
    public var rate: Double
    /// The mode that ran (`auto` resolved to token or sentence).
    public var mode: CompressionMode
    public var keptSpans: [[Int]]
    /// The rate asked for (a token target converted to its rate).
    public var requestedRate: Double
    /// Why the result may differ from the request (protected text above the budget,
    /// a target larger than the input, ...). Empty when the request was met.
    public var warnings: [String]
    public var seconds: Double
    /// Where the time went.
    public var stats: CompressionStats

    /// achieved / requested - 1: 0.05 means 5% more tokens than asked for.
    public var rateError: Double { requestedRate > 0 ? rate / requestedRate - 1 : 0 }
}

/// Time per stage and work done by the language model.
public struct CompressionStats: Sendable, Codable, Equatable {
    /// MiniLM embedding and the question's NLL on the leading sentences.
    public var rankingSeconds = 0.0
    /// The token stage's language-model windows.
    public var scoringSeconds = 0.0
    /// Selection, budget correction, assembly and counting.
    public var selectingSeconds = 0.0
    /// Context tokens the token stage considered (after the sentence filter).
    public var candidateTokens = 0
    /// Tokens run through the language model (prompts, contrastive copies and the question NLL included).
    public var modelTokens = 0
    public var modelCalls = 0

    public init() {}
}
