import Foundation

/// Does a challenger beat the seed on the same examples by more than the noise? A paired,
/// one-sided test on per-example score differences: for 0/1 scores the exact sign test on
/// the discordant examples (McNemar's exact test), otherwise a paired t-test (normal
/// approximation).
public struct PairedTest: Sendable, Equatable {
    public var meanDifference: Double
    /// One-sided: the chance of a gain at least this large if the two were equally good.
    public var pValue: Double
    public var wins: Int
    public var losses: Int
    public var count: Int

    public init(challenger: [Double], seed: [Double]) {
        precondition(challenger.count == seed.count, "paired test on \(challenger.count) and \(seed.count) scores")
        let differences = zip(challenger, seed).map { $0 - $1 }
        count = differences.count
        wins = differences.filter { $0 > 0 }.count
        losses = differences.filter { $0 < 0 }.count
        meanDifference = count == 0 ? 0 : differences.reduce(0, +) / Double(count)
        let binary = (challenger + seed).allSatisfy { $0 == 0 || $0 == 1 }
        if binary {
            pValue = Self.signTestUpper(wins: wins, trials: wins + losses)
        } else if count < 2 {
            pValue = 1
        } else {
            let mean = meanDifference
            let variance = differences.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count - 1)
            if variance == 0 {
                pValue = mean > 0 ? 0 : 1
            } else {
                let t = mean / sqrt(variance / Double(count))
                pValue = 0.5 * erfc(t / 2.0.squareRoot())
            }
        }
    }

    /// P(X >= wins) for X ~ Binomial(trials, 1/2); 1 when there are no discordant pairs.
    static func signTestUpper(wins: Int, trials: Int) -> Double {
        guard trials > 0 else { return 1 }
        var total = 0.0
        for k in wins...trials { total += exp(logChoose(trials, k) - Double(trials) * log(2)) }
        return min(1, total)
    }

    static func logChoose(_ n: Int, _ k: Int) -> Double {
        lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
    }

    public func significant(at alpha: Double) -> Bool { meanDifference > 0 && pValue < alpha }
}
