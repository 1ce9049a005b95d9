import Foundation

/// A mean score with its 95% interval: Wilson's for 0/1 scores (accuracy), a
/// normal approximation otherwise (token F1).
public struct ScoreSummary: Codable, Sendable, Equatable {
    public var mean: Double
    public var low: Double
    public var high: Double
    public var count: Int

    public init(scores: [Double]) {
        count = scores.count
        guard !scores.isEmpty else { mean = 0; low = 0; high = 0; return }
        let n = Double(scores.count)
        let m = scores.reduce(0, +) / n
        mean = m
        let z = 1.959964
        if scores.allSatisfy({ $0 == 0 || $0 == 1 }) {
            let denom = 1 + z * z / n
            let centre = (mean + z * z / (2 * n)) / denom
            let half = z * sqrt(mean * (1 - mean) / n + z * z / (4 * n * n)) / denom
            low = max(0, centre - half)
            high = min(1, centre + half)
        } else {
            let variance = scores.reduce(0) { $0 + ($1 - m) * ($1 - m) } / max(1, n - 1)
            let half = z * sqrt(variance / n)
            low = max(0, mean - half)
            high = min(1, mean + half)
        }
    }
}
