import Foundation

/// The JSON document of a compression, as `whet compress --json` prints it and `POST /v1/compress`
/// answers; warnings and timing are not part of it.
public struct CompressionJSON: Codable, Sendable, Equatable {
    public let compressed: String
    public let originalTokens: Int
    public let compressedTokens: Int
    public let rate: Double
    public let mode: CompressionMode
    /// Kept spans of the context as `[start, end)` offsets in Unicode code points.
    public let keptSpans: [[Int]]

    public init(_ result: CompressionResult) {
        compressed = result.compressed
        originalTokens = result.originalTokens
        compressedTokens = result.compressedTokens
        rate = result.rate
        mode = result.mode
        keptSpans = result.keptSpans
    }
}
